/**
 * Carries out a prekey plan: generate keys, persist the private halves FIRST (a bundle the relay
 * hands out must never refer to a key we do not have), then upload the public halves. Runs on
 * connect and after every QUEUE_EMPTY (see messenger.ts).
 */
import type { KeyUpload } from '@sotto/wire';
import type { AccountRecord } from './account-record.js';
import type { MessengerContext } from './context.js';
import { generateKyberPreKey, generatePreKeys, generateSignedPreKey } from './key-material.js';
import { LocalState } from './local-state.js';
import { planIsEmpty, planMaintenance, type KeyCounts, type MaintenancePlan } from './prekey-policy.js';
import { protocolStores } from './protocol-stores.js';
import { KyberPreKeyRecord, SignedPreKeyRecord } from '@sotto/protocol';

/** Generates and stores the keys `plan` asks for; returns the upload to send to the relay. */
export async function applyPlan(
  ctx: Pick<MessengerContext, 'store' | 'crypto'>,
  plan: MaintenancePlan,
  now: number,
): Promise<KeyUpload | undefined> {
  const state = new LocalState(ctx.store);
  const before = await state.account();
  if (!before) return undefined;
  const account: AccountRecord = { ...before, retired: [...before.retired] };
  const stores = protocolStores(state, account);
  const upload: KeyUpload = {};

  if (plan.newPreKeys > 0) {
    const keys = generatePreKeys(account.nextPreKeyId, plan.newPreKeys, ctx.crypto);
    account.nextPreKeyId += keys.length;
    for (const k of keys) await stores.preKey.savePreKey(k.id, k);
    upload.preKeys = keys.map((k) => ({ keyId: k.id, publicKey: k.publicKey }));
  }
  if (plan.newKyberPreKeys > 0) {
    upload.kyberPreKeys = [];
    for (let i = 0; i < plan.newKyberPreKeys; i++) {
      const k = generateKyberPreKey(account.nextKyberPreKeyId++, account.identityPrivate, now, ctx.crypto);
      await stores.kyberPreKey.saveKyberPreKey(k.id, k);
      upload.kyberPreKeys.push({ keyId: k.id, publicKey: k.publicKey, signature: k.signature });
    }
  }
  if (plan.rotateSigned) {
    const k = generateSignedPreKey(account.nextSignedPreKeyId++, account.identityPrivate, now, ctx.crypto);
    await stores.signedPreKey.saveSignedPreKey(k.id, k);
    account.retired.push({ kind: 'signed', id: account.signedPreKeyId, retiredAt: now });
    account.signedPreKeyId = k.id;
    account.signedPreKeyAt = now;
    upload.signedPreKey = { keyId: k.id, publicKey: k.publicKey, signature: k.signature };
  } else if (plan.reuploadSigned) {
    const b = await state.preKey('spk', account.signedPreKeyId);
    if (b) {
      const k = SignedPreKeyRecord.deserialize(b);
      upload.signedPreKey = { keyId: k.id, publicKey: k.publicKey, signature: k.signature };
    }
  }
  if (plan.rotateLastResort) {
    const k = generateKyberPreKey(account.nextKyberPreKeyId++, account.identityPrivate, now, ctx.crypto);
    await stores.kyberPreKey.saveKyberPreKey(k.id, k, { lastResort: true });
    account.retired.push({ kind: 'kyber', id: account.lastResortKyberId, retiredAt: now });
    account.lastResortKyberId = k.id;
    account.lastResortAt = now;
    upload.kyberLastResort = { keyId: k.id, publicKey: k.publicKey, signature: k.signature };
  } else if (plan.reuploadLastResort) {
    const b = await state.preKey('kpk', account.lastResortKyberId);
    if (b && b.length > 1) {
      const k = KyberPreKeyRecord.deserialize(b.subarray(1));
      upload.kyberLastResort = { keyId: k.id, publicKey: k.publicKey, signature: k.signature };
    }
  }
  for (const r of plan.purge) state.deletePreKey(r.kind === 'signed' ? 'spk' : 'kpk', r.id);
  // The replay guard's base keys of a purged last-resort Kyber key can never match again.
  if (plan.purge.some((r) => r.kind === 'kyber')) await state.pruneKyberBaseKeys();
  account.retired = account.retired.filter(
    (r) => !plan.purge.some((p) => p.kind === r.kind && p.id === r.id),
  );

  state.putAccount(account);
  await state.commit();
  return Object.keys(upload).length > 0 ? upload : undefined;
}

/**
 * Envelope ids are remembered this long: longer than the relay keeps an unacknowledged envelope
 * (its default TTL is 30 days), so a redelivery is always recognised.
 */
export const SEEN_RETENTION_MS = 45 * 24 * 60 * 60 * 1000;

/** Forgets old envelope ids (dedupe marks) past SEEN_RETENTION_MS. */
export async function pruneSeen(ctx: Pick<MessengerContext, 'store' | 'lock' | 'clock'>): Promise<number> {
  return ctx.lock.run(async () => {
    const state = new LocalState(ctx.store);
    const n = await state.pruneSeen(ctx.clock.now() - SEEN_RETENTION_MS);
    await state.commit();
    return n;
  });
}

/** Checks the relay's counts and refills / rotates as needed. Safe to call often. */
export async function maintainPreKeys(ctx: MessengerContext): Promise<void> {
  const counts: KeyCounts = await ctx.relay.keyCounts();
  const upload = await ctx.lock.run(async () => {
    const account = await new LocalState(ctx.store).account();
    if (!account) return undefined;
    const now = ctx.clock.now();
    const plan = planMaintenance(account, counts, now, ctx.prekeyPolicy);
    if (planIsEmpty(plan)) return undefined;
    return applyPlan(ctx, plan, now);
  });
  if (upload) await ctx.relay.uploadKeys(upload);
}
