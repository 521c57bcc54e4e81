/**
 * The byte layout of EncryptedStore records and keys (see encrypted-store.ts for why), shared with
 * every store that must read and write the same files — the browser's WebCrypto-keyed store holds
 * its keys differently but writes exactly these bytes. Only layout lives here: no keys, no crypto.
 */
import { concatBytes, u64be, utf8 } from './bytes.js';
import { checkTable } from './backend.js';
import { StorageError } from './errors.js';
import type { StoreKey } from './encrypted-store.js';

/** Reserved table holding the plaintext header; user tables may not start with '_'. */
export const HEADER_TABLE = '_store';
export const HEADER_KEY = utf8('header');
export const RECORD_VERSION = 1;
export const RECORD_NONCE_BYTES = 12;
export const RECORD_TAG_BYTES = 16;
export const BLIND_BYTES = 16;
const REC_DOMAIN = utf8('sotto-rec-v1');
const BLIND_DOMAIN = utf8('sotto-blind-v1');

export function checkUserTable(table: string): string {
  checkTable(table);
  if (table.startsWith('_'))
    throw new StorageError('InvalidArgument', 'tables starting with "_" are reserved');
  return table;
}

/**
 * One encoded key part: a number stays in the clear (8 bytes big-endian, so it sorts); a string or
 * byte part is blinded — the caller MACs `blind` with its blind key and keeps BLIND_BYTES of it.
 */
export type KeyPartInput = { clear: Uint8Array } | { blind: Uint8Array };

/** A user table and an array key (the parts are checked by keyPartInputs). */
export function checkKeyShape(table: string, key: StoreKey): void {
  checkUserTable(table);
  if (!Array.isArray(key)) throw new StorageError('InvalidArgument', '"key" expected an array of parts');
}

/** Says, part by part, what to write or to blind; call checkKeyShape first. */
export function keyPartInputs(table: string, key: StoreKey): KeyPartInput[] {
  const tableBytes = utf8(table);
  return key.map((part: unknown, i): KeyPartInput => {
    if (typeof part === 'number') {
      if (!Number.isSafeInteger(part) || part < 0) {
        throw new StorageError('InvalidArgument', 'numeric key parts must be non-negative safe integers');
      }
      return { clear: u64be(part) };
    }
    let tag: number;
    let bytes: Uint8Array;
    if (typeof part === 'string') {
      tag = 0x73; // 's'
      bytes = utf8(part);
    } else if (part instanceof Uint8Array) {
      tag = 0x62; // 'b'
      bytes = part;
    } else {
      throw new StorageError('InvalidArgument', 'key parts must be strings, numbers or bytes');
    }
    return {
      blind: concatBytes(
        BLIND_DOMAIN,
        Uint8Array.of(tableBytes.length),
        tableBytes,
        Uint8Array.of(i, tag),
        bytes,
      ),
    };
  });
}

/** AES-GCM associated data of a record: binds it to its table and stored key. */
export function recordAad(table: string, storedKey: Uint8Array): Uint8Array {
  const t = utf8(table);
  return concatBytes(REC_DOMAIN, Uint8Array.of(RECORD_VERSION, t.length), t, storedKey);
}

/** version || nonce || ciphertext-with-tag */
export function packRecord(nonce: Uint8Array, sealed: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(RECORD_VERSION), nonce, sealed);
}

/** Splits a stored record; `CorruptRecord` when it is too short or of another version. */
export function unpackRecord(table: string, stored: Uint8Array): { nonce: Uint8Array; sealed: Uint8Array } {
  if (stored.length < 1 + RECORD_NONCE_BYTES + RECORD_TAG_BYTES || stored[0] !== RECORD_VERSION) {
    throw new StorageError('CorruptRecord', `corrupt record in table ${table}`);
  }
  return {
    nonce: stored.subarray(1, 1 + RECORD_NONCE_BYTES),
    sealed: stored.subarray(1 + RECORD_NONCE_BYTES),
  };
}
