// The key directory: uploads checked against the identity key, counts for refills, and bundle claims
// that hand out each one-time key exactly once (the store's claim is atomic) under rate limits.
import { PreKeyBundleResponseSchema, UploadKeysRequestSchema, toBase64 } from '@sotto/wire';
import type { BundleDevice, KeyCountsResponse, PreKeyBundleResponse } from '@sotto/wire';
import type { AppContext } from '../app-context.js';
import { verifyIdentitySignature } from '../auth/identity-signature.js';
import { readJson } from '../http/body.js';
import { RelayHttpError } from '../http/relay-http-error.js';
import { requireDevice } from '../http/require-device.js';
import { sendEmpty, sendJson } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { deviceKey } from '../mailbox/mailbox.js';
import type { ClaimedKeys, SignedPreKeyRecord } from '../relay-store.js';
import { accountIdParam, bytes, deviceIdParam } from './decode.js';

/** One-time prekeys of each kind one device may have stored. */
export const MAX_STORED_ONE_TIME_KEYS = 1000;

function signed(k: { keyId: number; publicKey: string; signature: string }): SignedPreKeyRecord {
  return { keyId: k.keyId, publicKey: bytes(k.publicKey), signature: bytes(k.signature) };
}

function bundleDevice(deviceId: number, registrationId: number, k: ClaimedKeys): BundleDevice {
  return {
    deviceId,
    registrationId,
    signedPreKey: {
      keyId: k.signedPreKey.keyId,
      publicKey: toBase64(k.signedPreKey.publicKey),
      signature: toBase64(k.signedPreKey.signature),
    },
    preKey: k.preKey ? { keyId: k.preKey.keyId, publicKey: toBase64(k.preKey.publicKey) } : null,
    kyberPreKey: {
      keyId: k.kyberPreKey.keyId,
      publicKey: toBase64(k.kyberPreKey.publicKey),
      signature: toBase64(k.kyberPreKey.signature),
      lastResort: k.kyberPreKey.lastResort,
    },
  };
}

export function addKeyRoutes(r: Router, ctx: AppContext): void {
  r.add('PUT', '/v1/keys', async (req, res) => {
    const me = await requireDevice(ctx, req);
    const body = await readJson(req, UploadKeysRequestSchema, ctx.jsonBodies);
    const account = await ctx.store.getAccount(me.accountId);
    if (!account) throw new RelayHttpError('Unauthorized');
    // libsignal signs the serialized public key (type byte included) with the identity key.
    const check = (k: SignedPreKeyRecord) => {
      if (!verifyIdentitySignature(account.identityKey, k.publicKey, k.signature))
        throw new RelayHttpError('InvalidSignature', `signature of key ${k.keyId} does not verify`);
      return k;
    };
    const keys: Parameters<AppContext['store']['putKeys']>[2] = {};
    if (body.signedPreKey) keys.signedPreKey = check(signed(body.signedPreKey));
    if (body.kyberLastResort) keys.kyberLastResort = check(signed(body.kyberLastResort));
    if (body.kyberPreKeys) keys.kyberPreKeys = body.kyberPreKeys.map((k) => check(signed(k)));
    if (body.preKeys)
      keys.preKeys = body.preKeys.map((k) => ({ keyId: k.keyId, publicKey: bytes(k.publicKey) }));
    const outcome = await ctx.store.putKeys(me.accountId, me.deviceId, keys, MAX_STORED_ONE_TIME_KEYS);
    if (outcome !== 'ok') throw new RelayHttpError(outcome);
    sendEmpty(res);
  });

  r.add('GET', '/v1/keys/count', async (req, res) => {
    const me = await requireDevice(ctx, req);
    const counts: KeyCountsResponse = await ctx.store.keyCounts(me.accountId, me.deviceId);
    sendJson(res, 200, counts);
  });

  r.add('GET', '/v1/keys/:accountId/:deviceId', async (req, res, p) => {
    const me = await requireDevice(ctx, req);
    const accountId = accountIdParam(p['accountId']);
    const which = p['deviceId'] === '*' ? '*' : deviceIdParam(p['deviceId']);
    // Two buckets stop prekey draining: one per claimer, one per target (however many claimers).
    // The claimer's comes first (it pays for misses too); the target's only once the account exists,
    // so claims for made-up ids cannot fill the target limiter with buckets (a 404 creates none).
    if (!(await ctx.claimsByRequester.take(deviceKey(me)))) throw new RelayHttpError('RateLimited');
    const account = await ctx.store.getAccount(accountId);
    if (!account) throw new RelayHttpError('AccountNotFound');
    if (!(await ctx.claimsByTarget.take(accountId))) throw new RelayHttpError('RateLimited');
    const devices = (await ctx.store.listDevices(accountId)).sort((a, b) => a.deviceId - b.deviceId);
    const targets = which === '*' ? devices : devices.filter((d) => d.deviceId === which);
    if (targets.length === 0) throw new RelayHttpError('DeviceNotFound');
    const out: PreKeyBundleResponse = { accountId, identityKey: toBase64(account.identityKey), devices: [] };
    for (const d of targets) {
      const claimed = await ctx.store.claimKeys(accountId, d.deviceId);
      if (claimed) out.devices.push(bundleDevice(d.deviceId, d.registrationId, claimed));
    }
    if (out.devices.length === 0) throw new RelayHttpError('NoSignedPreKey');
    ctx.metrics.bundleClaims.inc(out.devices.length);
    // Self-check in development builds is cheap insurance that we never emit an invalid bundle.
    if (!PreKeyBundleResponseSchema.safeParse(out).success) throw new RelayHttpError('Internal');
    sendJson(res, 200, out);
  });
}
