/**
 * Wrapping the store's data key under a key-encryption key (KEK) derived from the passphrase.
 *
 * The KEK never leaves a `KeyWrapper`: the default one keeps raw bytes (noble scrypt + AES-GCM);
 * the browser (issue 6) can derive the same KEK and import it as a NON-EXTRACTABLE WebCrypto
 * AES-GCM CryptoKey, implementing this interface with `crypto.subtle.encrypt/decrypt`. The wrapped
 * format is the same either way: nonce(12) || AES-256-GCM(KEK, nonce, dataKey, aad) (ct+tag 48).
 *
 * KDF (issue 4: memory-hard): scrypt (RFC 7914) from @noble/hashes. Default N = 2^16, r = 8, p = 1:
 * 128·N·r = 64 MiB of memory and roughly 0.3–1 s in JS on a laptop, so each passphrase guess costs
 * an attacker with the files the same. Parameters and the 16-byte random salt live in the store
 * header, so they can be raised later (`EncryptedStore.changePassphrase` writes new ones).
 */
import { gcm } from '@noble/ciphers/aes.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { utf8, zeroise } from './bytes.js';
import { StorageError } from './errors.js';

export interface ScryptParams {
  readonly alg: 'scrypt';
  /** log2 of the CPU/memory cost N. */
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
  /** 16..64 random bytes. */
  readonly salt: Uint8Array;
}

export type KdfParams = ScryptParams;

/** KDF cost without the salt (the salt is always fresh and random). */
export type KdfCost = Omit<ScryptParams, 'salt'>;

/** 64 MiB, ~0.5 s: the production default. */
export const DEFAULT_KDF_COST: KdfCost = { alg: 'scrypt', log2N: 16, r: 8, p: 1 };
/** For tests only: fast, NOT secure. */
export const TEST_KDF_COST: KdfCost = { alg: 'scrypt', log2N: 4, r: 8, p: 1 };

export const DATA_KEY_BYTES = 32;
export const MAX_KDF_MEMORY = 1024 * 1024 * 1024;
export const WRAP_NONCE_BYTES = 12;
export const WRAPPED_KEY_BYTES = WRAP_NONCE_BYTES + DATA_KEY_BYTES + 16;

/** Holds a KEK; wraps and unwraps the data key. */
export interface KeyWrapper {
  /** nonce || AES-256-GCM(KEK, nonce, dataKey, aad). */
  wrap(dataKey: Uint8Array, aad: Uint8Array, nonce: Uint8Array): Promise<Uint8Array>;
  /** Inverse of wrap; throws `StorageError('WrongPassphrase')` when authentication fails. */
  unwrap(wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Forget the KEK (zeroise). */
  destroy(): void;
}

/** Builds a KeyWrapper from a passphrase and KDF parameters (injectable: WebCrypto, tests). */
export type KeyWrapperFactory = (passphrase: string, params: KdfParams) => Promise<KeyWrapper>;

export function checkKdfParams(p: KdfParams): KdfParams {
  const ok =
    p.alg === 'scrypt' &&
    Number.isInteger(p.log2N) &&
    p.log2N >= 1 &&
    p.log2N <= 22 &&
    Number.isInteger(p.r) &&
    p.r >= 1 &&
    p.r <= 32 &&
    Number.isInteger(p.p) &&
    p.p >= 1 &&
    p.p <= 16 &&
    p.salt instanceof Uint8Array &&
    p.salt.length >= 16 &&
    p.salt.length <= 64 &&
    // A tampered header must not make unlock allocate more than 1 GiB (noble's own ceiling).
    128 * 2 ** p.log2N * p.r <= MAX_KDF_MEMORY;
  if (!ok) throw new StorageError('InvalidArgument', 'KDF parameters out of range');
  return p;
}

/** scrypt(passphrase NFKC-normalised UTF-8, salt) → 32-byte KEK. */
export async function deriveKek(passphrase: string, params: KdfParams): Promise<Uint8Array> {
  if (typeof passphrase !== 'string')
    throw new StorageError('InvalidArgument', 'passphrase must be a string');
  checkKdfParams(params);
  const pw = utf8(passphrase.normalize('NFKC'));
  try {
    return await scryptAsync(pw, params.salt, { N: 2 ** params.log2N, r: params.r, p: params.p, dkLen: 32 });
  } finally {
    zeroise(pw);
  }
}

/** Raw-bytes KEK wrapper over noble AES-256-GCM. */
export class RawKeyWrapper implements KeyWrapper {
  private kek: Uint8Array | undefined;

  constructor(kek: Uint8Array) {
    if (kek.length !== 32) throw new StorageError('InvalidArgument', '"kek" expected 32 bytes');
    this.kek = kek.slice();
  }

  private key(): Uint8Array {
    if (this.kek === undefined) throw new StorageError('Locked', 'key wrapper destroyed');
    return this.kek;
  }

  wrap(dataKey: Uint8Array, aad: Uint8Array, nonce: Uint8Array): Promise<Uint8Array> {
    if (dataKey.length !== DATA_KEY_BYTES)
      throw new StorageError('InvalidArgument', '"dataKey" expected 32 bytes');
    if (nonce.length !== WRAP_NONCE_BYTES)
      throw new StorageError('InvalidArgument', '"nonce" expected 12 bytes');
    const ct = gcm(this.key(), nonce, aad).encrypt(dataKey);
    const out = new Uint8Array(WRAP_NONCE_BYTES + ct.length);
    out.set(nonce, 0);
    out.set(ct, WRAP_NONCE_BYTES);
    return Promise.resolve(out);
  }

  unwrap(wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    if (wrapped.length !== WRAPPED_KEY_BYTES) {
      return Promise.reject(new StorageError('CorruptHeader', 'wrapped key has the wrong length'));
    }
    try {
      const dk = gcm(this.key(), wrapped.subarray(0, WRAP_NONCE_BYTES), aad).decrypt(
        wrapped.subarray(WRAP_NONCE_BYTES),
      );
      return Promise.resolve(dk);
    } catch (e) {
      if (e instanceof StorageError) return Promise.reject(e);
      // GCM tag mismatch: the only way the header we validated fails is a different KEK.
      return Promise.reject(new StorageError('WrongPassphrase', 'wrong passphrase'));
    }
  }

  destroy(): void {
    zeroise(this.kek);
    this.kek = undefined;
  }
}

/** The default factory: scrypt KEK held as bytes. */
export const scryptKeyWrapper: KeyWrapperFactory = async (passphrase, params) => {
  const kek = await deriveKek(passphrase, params);
  try {
    return new RawKeyWrapper(kek);
  } finally {
    zeroise(kek);
  }
};
