// Checks and row decoding shared by every KeyStore adapter, so SQLite and PostgreSQL accept and
// return exactly the same key records.
import type { KeyUpload, PreKeyRecord, SignedPreKeyRecord } from './ports.js';
import {
  EC_KEY_BYTES,
  KYBER_KEY_BYTES,
  MAX_KEY_ID,
  SIGNATURE_BYTES,
  checkBytes,
  checkInt,
} from './guards.js';
import { asRow, bytes, int } from './row-checks.js';

const checkPreKey = (k: PreKeyRecord, what: string) => {
  checkInt(k.keyId, `${what}.keyId`, 1, MAX_KEY_ID);
  checkBytes(k.publicKey, `${what}.publicKey`, EC_KEY_BYTES);
};

const checkSigned = (k: SignedPreKeyRecord, what: string, keyBytes: number) => {
  checkInt(k.keyId, `${what}.keyId`, 1, MAX_KEY_ID);
  checkBytes(k.publicKey, `${what}.publicKey`, keyBytes);
  checkBytes(k.signature, `${what}.signature`, SIGNATURE_BYTES);
};

/** Validates the shape and lengths of every key in an upload (signatures are checked by the relay). */
export function checkUpload(u: KeyUpload): void {
  if (u.signedPreKey) checkSigned(u.signedPreKey, 'signedPreKey', EC_KEY_BYTES);
  if (u.kyberLastResort) checkSigned(u.kyberLastResort, 'kyberLastResort', KYBER_KEY_BYTES);
  u.preKeys?.forEach((k, i) => checkPreKey(k, `preKeys[${i}]`));
  u.kyberPreKeys?.forEach((k, i) => checkSigned(k, `kyberPreKeys[${i}]`, KYBER_KEY_BYTES));
}

/** Decodes a signed key row (`key_id`, `public_key`, `signature`), checking every length. */
export const signedRow = (v: unknown, keyBytes: number): SignedPreKeyRecord => {
  const r = asRow(v);
  return {
    keyId: int(r, 'key_id'),
    publicKey: bytes(r, 'public_key', keyBytes),
    signature: bytes(r, 'signature', SIGNATURE_BYTES),
  };
};
