/**
 * A contact: a local name for a remote account. The trusted identity key lives in the identity
 * records (identity-record keys in local-state.ts); a contact carries the verification flag and a
 * pending identity change, which blocks sending until the user accepts it.
 */
import { RecordReader, bytesToHex, encodeRecord } from './record-codec.js';

/** How the contact was added: by address, by username, because they wrote first, or synced from another of our devices. */
export type ContactSource = 'address' | 'username' | 'incoming' | 'sync';

export interface IdentityChange {
  /** The account now claiming to be this contact (differs from accountId after a re-registration). */
  accountId: string;
  identityKey: Uint8Array;
  seenAt: number;
}

export interface ContactRecord {
  name: string;
  accountId: string;
  username: string | null;
  verified: boolean;
  source: ContactSource;
  addedAt: number;
  change: IdentityChange | null;
}

/**
 * What a UI shows: `unverified` (trust on first use), `verified` (safety number compared),
 * `changed` (identity changed: sending blocked until accepted), `verified-changed` (a VERIFIED
 * contact's identity changed — show this loudly).
 */
export type ContactTrust = 'unverified' | 'verified' | 'changed' | 'verified-changed';

export function trustOf(c: ContactRecord): ContactTrust {
  if (c.change) return c.verified ? 'verified-changed' : 'changed';
  return c.verified ? 'verified' : 'unverified';
}

export function encodeContact(c: ContactRecord): Uint8Array {
  return encodeRecord({
    v: 1,
    name: c.name,
    accountId: c.accountId,
    username: c.username,
    verified: c.verified,
    source: c.source,
    addedAt: c.addedAt,
    change: c.change && {
      accountId: c.change.accountId,
      identityKey: bytesToHex(c.change.identityKey),
      seenAt: c.change.seenAt,
    },
  });
}

export function decodeContact(bytes: Uint8Array): ContactRecord {
  const r = RecordReader.parse(bytes, 'contact');
  const ch = r.objOrNull('change');
  return {
    name: r.str('name'),
    accountId: r.str('accountId'),
    username: r.strOrNull('username'),
    verified: r.bool('verified'),
    source: r.oneOf('source', ['address', 'username', 'incoming', 'sync'] as const),
    addedAt: r.int('addedAt'),
    change: ch && {
      accountId: ch.str('accountId'),
      identityKey: ch.bytes('identityKey', 33),
      seenAt: ch.int('seenAt'),
    },
  };
}
