/**
 * The store header: the one plaintext record, holding what is needed to unlock the rest.
 *
 *   magic "SOTTOST" (7) | version u8 (=1) | kdf u8 (1 = scrypt) | log2N u8 | r u8 | p u8 |
 *   saltLen u8 | salt | wrappedKey (60: nonce 12 + ciphertext 32 + tag 16)
 *
 * The bytes before the wrapped key are the AAD of the wrap, so editing the parameters (e.g. to
 * make an attacker's guesses cheaper for the victim's next unlock) breaks the unwrap.
 */
import { concatBytes, utf8 } from './bytes.js';
import { StorageError } from './errors.js';
import { checkKdfParams, WRAPPED_KEY_BYTES, type KdfParams } from './key-wrapper.js';

const MAGIC = utf8('SOTTOST');
export const HEADER_VERSION = 1;
const KDF_SCRYPT = 1;

export interface StoreHeader {
  kdf: KdfParams;
  wrappedKey: Uint8Array;
}

/** The authenticated part of the header (everything but the wrapped key). */
export function encodeHeaderAad(kdf: KdfParams): Uint8Array {
  checkKdfParams(kdf);
  return concatBytes(
    MAGIC,
    Uint8Array.of(HEADER_VERSION, KDF_SCRYPT, kdf.log2N, kdf.r, kdf.p, kdf.salt.length),
    kdf.salt,
  );
}

export function encodeHeader(h: StoreHeader): Uint8Array {
  if (h.wrappedKey.length !== WRAPPED_KEY_BYTES)
    throw new StorageError('InvalidArgument', 'wrapped key length');
  return concatBytes(encodeHeaderAad(h.kdf), h.wrappedKey);
}

function bad(why: string): never {
  throw new StorageError('CorruptHeader', `store header: ${why}`);
}

export function decodeHeader(b: Uint8Array): StoreHeader {
  if (b.length < MAGIC.length + 6) bad('too short');
  for (let i = 0; i < MAGIC.length; i++) if (b[i] !== MAGIC[i]) bad('bad magic');
  let o = MAGIC.length;
  const version = b[o++] as number;
  if (version !== HEADER_VERSION) bad(`unsupported version ${version}`);
  if (b[o++] !== KDF_SCRYPT) bad('unknown KDF');
  const log2N = b[o++] as number;
  const r = b[o++] as number;
  const p = b[o++] as number;
  const saltLen = b[o++] as number;
  if (b.length !== o + saltLen + WRAPPED_KEY_BYTES) bad('wrong length');
  const salt = b.slice(o, o + saltLen);
  const kdf: KdfParams = { alg: 'scrypt', log2N, r, p, salt };
  try {
    checkKdfParams(kdf);
  } catch {
    bad('KDF parameters out of range');
  }
  return { kdf, wrappedKey: b.slice(o + saltLen) };
}
