/**
 * When to refill and rotate prekeys — a pure decision from the relay's counts, the account's
 * schedule and the clock. (Signal refills one-time keys below a threshold and rotates the signed
 * prekey every few days, keeping the old private key for a grace period so first messages that
 * were built from the old bundle still decrypt.)
 */
import type { AccountRecord, RetiredKey } from './account-record.js';

export interface PreKeyPolicy {
  /** One-time EC prekeys uploaded per refill (the relay accepts ≤ 100 per list). */
  preKeyBatch: number;
  /** Refill when the relay holds fewer one-time EC prekeys than this. */
  preKeyMinimum: number;
  kyberBatch: number;
  kyberMinimum: number;
  /** Rotate the signed prekey and the last-resort Kyber key this often. */
  rotateAfterMs: number;
  /** Keep replaced signed / last-resort private keys this long. */
  graceMs: number;
}

const DAY = 24 * 60 * 60 * 1000;

export const DEFAULT_PREKEY_POLICY: PreKeyPolicy = {
  preKeyBatch: 100,
  preKeyMinimum: 20,
  kyberBatch: 10,
  kyberMinimum: 5,
  rotateAfterMs: 7 * DAY,
  graceMs: 30 * DAY,
};

export interface KeyCounts {
  preKeys: number;
  kyberPreKeys: number;
  signedPreKeyId: number | null;
  kyberLastResortId: number | null;
}

export interface MaintenancePlan {
  newPreKeys: number;
  newKyberPreKeys: number;
  rotateSigned: boolean;
  rotateLastResort: boolean;
  /** The relay lacks our current signed / last-resort key (e.g. an upload was interrupted). */
  reuploadSigned: boolean;
  reuploadLastResort: boolean;
  /** Retired keys whose grace period is over: delete the private keys. */
  purge: RetiredKey[];
}

export function planMaintenance(
  account: AccountRecord,
  counts: KeyCounts,
  now: number,
  policy: PreKeyPolicy = DEFAULT_PREKEY_POLICY,
): MaintenancePlan {
  const rotateSigned = now - account.signedPreKeyAt >= policy.rotateAfterMs;
  const rotateLastResort = now - account.lastResortAt >= policy.rotateAfterMs;
  return {
    newPreKeys: counts.preKeys < policy.preKeyMinimum ? policy.preKeyBatch - counts.preKeys : 0,
    newKyberPreKeys: counts.kyberPreKeys < policy.kyberMinimum ? policy.kyberBatch - counts.kyberPreKeys : 0,
    rotateSigned,
    rotateLastResort,
    reuploadSigned: !rotateSigned && counts.signedPreKeyId !== account.signedPreKeyId,
    reuploadLastResort: !rotateLastResort && counts.kyberLastResortId !== account.lastResortKyberId,
    purge: account.retired.filter((r) => now - r.retiredAt >= policy.graceMs),
  };
}

export function planIsEmpty(p: MaintenancePlan): boolean {
  return (
    p.newPreKeys === 0 &&
    p.newKyberPreKeys === 0 &&
    !p.rotateSigned &&
    !p.rotateLastResort &&
    !p.reuploadSigned &&
    !p.reuploadLastResort &&
    p.purge.length === 0
  );
}
