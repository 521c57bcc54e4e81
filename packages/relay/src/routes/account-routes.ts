// Accounts, devices and usernames. Registration needs only an identity key, proven by an XEdDSA
// signature over the registration payload (no phone number, no e-mail).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  AddDeviceRequestSchema,
  MAX_DEVICE_ID,
  RegisterRequestSchema,
  USERNAME_RE,
  addDeviceMessage,
  registrationMessage,
  toBase64,
} from '@sotto/wire';
import type { AccountResponse, DeviceCreatedResponse, WhoAmIResponse } from '@sotto/wire';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { verifyIdentitySignature } from '../auth/identity-signature.js';
import { readJson } from '../http/body.js';
import { addressKey } from '../http/client-address.js';
import { RelayHttpError } from '../http/relay-http-error.js';
import { requireDevice } from '../http/require-device.js';
import { deviceKey } from '../mailbox/mailbox.js';
import { sendEmpty, sendJson } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { accountIdParam, bytes, deviceIdParam } from './decode.js';

const UsernameBodySchema = z.strictObject({ username: z.string().max(64) });

async function accountView(ctx: AppContext, accountId: string): Promise<AccountResponse | null> {
  const account = await ctx.store.getAccount(accountId);
  if (!account) return null;
  const devices = await ctx.store.listDevices(accountId);
  return {
    accountId,
    identityKey: toBase64(account.identityKey),
    username: account.username,
    devices: devices.map((d) => d.deviceId).sort((a, b) => a - b),
  };
}

async function newSecretHash(ctx: AppContext, secret: Uint8Array): Promise<string> {
  const hash = await ctx.auth.hashNew(secret);
  if (hash === null) {
    secret.fill(0);
    throw new RelayHttpError('RateLimited', 'too many registrations in progress');
  }
  return hash;
}

function isProxied(req: IncomingMessage): boolean {
  return req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
}

export function addAccountRoutes(r: Router, ctx: AppContext): void {
  let warnedOfProxy = false;
  r.add('POST', '/v1/accounts', async (req, res) => {
    // Behind a proxy every client has the proxy's address and shares one per-address allowance: say
    // so once (the header alone proves nothing, so this only warns).
    if (!warnedOfProxy && ctx.registrationsByAddress !== undefined && isProxied(req)) {
      warnedOfProxy = true;
      ctx.log.warn('registrations_via_proxy', {
        reason:
          'requests carry X-Forwarded-For or Forwarded: if a reverse proxy is in front, all its clients share one registrationsPerAddressPerMinute allowance; set it to 0 and limit per address at the proxy',
      });
    }
    const body = await readJson(req, RegisterRequestSchema, ctx.jsonBodies);
    const identityKey = bytes(body.identityKey);
    const secret = bytes(body.deviceSecret);
    const message = registrationMessage(identityKey, body.registrationId, secret);
    if (!verifyIdentitySignature(identityKey, message, bytes(body.signature))) {
      throw new RelayHttpError('InvalidSignature');
    }
    // Before the slow hash, and only for well-formed, signed requests (junk does not use it up). The
    // address first, so that one address cannot empty the relay-wide bucket beyond its own share.
    const byAddress = ctx.registrationsByAddress;
    if (byAddress !== undefined && !(await byAddress.take(addressKey(req.socket.remoteAddress)))) {
      secret.fill(0);
      throw new RelayHttpError(
        'RateLimited',
        'too many new accounts from this network address right now; try again in a minute',
      );
    }
    if (!(await ctx.registrations.take('all'))) {
      secret.fill(0);
      throw new RelayHttpError(
        'RateLimited',
        'too many new accounts on this relay right now; try again in a minute',
      );
    }
    const accountId = randomUUID();
    const secretHash = await newSecretHash(ctx, secret);
    await ctx.store.createAccount(
      accountId,
      identityKey,
      { registrationId: body.registrationId, secretHash },
      ctx.now(),
    );
    ctx.auth.remember(accountId, 1, secret, secretHash);
    secret.fill(0);
    const out: DeviceCreatedResponse = { accountId, deviceId: 1 };
    sendJson(res, 200, out);
  });

  r.add('POST', '/v1/accounts/:accountId/devices', async (req, res, p) => {
    const accountId = accountIdParam(p['accountId']);
    const body = await readJson(req, AddDeviceRequestSchema, ctx.jsonBodies);
    const account = await ctx.store.getAccount(accountId);
    if (!account) throw new RelayHttpError('AccountNotFound');
    const secret = bytes(body.deviceSecret);
    const message = addDeviceMessage(accountId, body.registrationId, secret);
    if (!verifyIdentitySignature(account.identityKey, message, bytes(body.signature))) {
      throw new RelayHttpError('InvalidSignature');
    }
    const secretHash = await newSecretHash(ctx, secret);
    const deviceId = await ctx.store.addDevice(
      accountId,
      { registrationId: body.registrationId, secretHash },
      MAX_DEVICE_ID,
      ctx.now(),
    );
    if (typeof deviceId !== 'number') throw new RelayHttpError(deviceId);
    ctx.auth.remember(accountId, deviceId, secret, secretHash);
    secret.fill(0);
    const out: DeviceCreatedResponse = { accountId, deviceId };
    sendJson(res, 200, out);
  });

  r.add('DELETE', '/v1/devices/:deviceId', async (req, res, p) => {
    const me = await requireDevice(ctx, req);
    const deviceId = deviceIdParam(p['deviceId']);
    if (deviceId === me.deviceId) throw new RelayHttpError('Forbidden', 'a device cannot remove itself');
    if (!(await ctx.store.removeDevice(me.accountId, deviceId))) throw new RelayHttpError('DeviceNotFound');
    ctx.auth.forgetDevice(me.accountId, deviceId);
    ctx.onDeviceRemoved(me.accountId, deviceId);
    sendEmpty(res);
  });

  // Every device of the account goes with it, each one's keys and queued envelopes too, and its
  // username is free again. Any device of the account may do it: each holds the whole account.
  r.add('DELETE', '/v1/accounts/me', async (req, res) => {
    const me = await requireDevice(ctx, req);
    const devices = await ctx.store.listDevices(me.accountId);
    if (!(await ctx.store.deleteAccount(me.accountId))) throw new RelayHttpError('Unauthorized');
    ctx.auth.forgetAccount(me.accountId);
    for (const d of devices) ctx.onDeviceRemoved(me.accountId, d.deviceId);
    ctx.metrics.accountsDeleted.inc();
    sendEmpty(res);
  });

  r.add('GET', '/v1/accounts/me', async (req, res) => {
    const me = await requireDevice(ctx, req);
    const view = await accountView(ctx, me.accountId);
    if (!view) throw new RelayHttpError('Unauthorized');
    const out: WhoAmIResponse = {
      accountId: me.accountId,
      deviceId: me.deviceId,
      username: view.username,
      devices: view.devices,
    };
    sendJson(res, 200, out);
  });

  r.add('PUT', '/v1/accounts/me/username', async (req, res) => {
    const me = await requireDevice(ctx, req);
    // Parse the shape first so a badly formed name gets its own code, not a generic BadRequest.
    const raw = await readJson(req, UsernameBodySchema, ctx.jsonBodies);
    // Check before lower-casing: Unicode case mapping turns some non-ASCII letters into ASCII ones.
    if (!USERNAME_RE.test(raw.username)) throw new RelayHttpError('UsernameInvalid');
    const username = raw.username.toLowerCase();
    if ((await ctx.store.setUsername(me.accountId, username)) === 'taken')
      throw new RelayHttpError('UsernameTaken');
    sendJson(res, 200, { username });
  });

  r.add('DELETE', '/v1/accounts/me/username', async (req, res) => {
    const me = await requireDevice(ctx, req);
    await ctx.store.clearUsername(me.accountId);
    sendEmpty(res);
  });

  // Both lookups answer "does this exist, and with which identity key": one registered device could
  // otherwise try every likely username at full speed.
  const lookup = async (req: IncomingMessage) => {
    const me = await requireDevice(ctx, req);
    if (!(await ctx.lookupsByRequester.take(deviceKey(me)))) throw new RelayHttpError('RateLimited');
  };

  r.add('GET', '/v1/usernames/:username', async (req, res, p) => {
    await lookup(req);
    const username = p['username'] ?? '';
    if (!USERNAME_RE.test(username)) throw new RelayHttpError('UsernameInvalid');
    const accountId = await ctx.store.findAccountByUsername(username.toLowerCase());
    const view = accountId ? await accountView(ctx, accountId) : null;
    if (!view) throw new RelayHttpError('UsernameNotFound');
    sendJson(res, 200, view);
  });

  r.add('GET', '/v1/accounts/:accountId', async (req, res, p) => {
    await lookup(req);
    const view = await accountView(ctx, accountIdParam(p['accountId']));
    if (!view) throw new RelayHttpError('AccountNotFound');
    sendJson(res, 200, view);
  });
}
