/**
 * A `KeyWrapper` that holds the KEK as a NON-EXTRACTABLE WebCrypto AES-GCM key (issue 6: the
 * browser keeps the wrapping key out of reach of script once derived). Isomorphic: uses
 * `globalThis.crypto.subtle`, present in every current browser and in Node 20.
 *
 * The KEK is derived with the same scrypt as the default wrapper; the raw bytes exist only between
 * derivation and `importKey`, and are zeroised right after. Same wrapped format as RawKeyWrapper,
 * so a store created by one opens with the other.
 */
import { zeroise } from './bytes.js';
import { StorageError } from './errors.js';
import {
  DATA_KEY_BYTES,
  deriveKek,
  WRAP_NONCE_BYTES,
  WRAPPED_KEY_BYTES,
  type KeyWrapper,
  type KeyWrapperFactory,
} from './key-wrapper.js';

/** The slice of WebCrypto used here (declared structurally: the core has no DOM lib types). */
export interface AesCryptoKey {
  readonly type: string;
  readonly extractable: boolean;
  readonly usages: readonly string[];
}
interface AesGcmParams {
  name: 'AES-GCM';
  iv: Uint8Array;
  additionalData: Uint8Array;
}
interface SubtleLike {
  importKey(
    format: 'raw',
    key: Uint8Array,
    alg: { name: 'AES-GCM' },
    extractable: boolean,
    usages: string[],
  ): Promise<AesCryptoKey>;
  encrypt(alg: AesGcmParams, key: AesCryptoKey, data: Uint8Array): Promise<ArrayBuffer>;
  decrypt(alg: AesGcmParams, key: AesCryptoKey, data: Uint8Array): Promise<ArrayBuffer>;
}

function subtle(): SubtleLike {
  const s = (globalThis as { crypto?: { subtle?: SubtleLike } }).crypto?.subtle;
  if (s === undefined) throw new StorageError('InvalidArgument', 'WebCrypto is not available');
  return s;
}

export class WebCryptoKeyWrapper implements KeyWrapper {
  private key: AesCryptoKey | undefined;

  private constructor(key: AesCryptoKey) {
    this.key = key;
  }

  /** Imports a 32-byte KEK as a non-extractable AES-GCM key and zeroises the given bytes. */
  static async fromKek(kek: Uint8Array): Promise<WebCryptoKeyWrapper> {
    try {
      const key = await subtle().importKey('raw', kek, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
      return new WebCryptoKeyWrapper(key);
    } finally {
      zeroise(kek);
    }
  }

  /** The held CryptoKey (non-extractable; exposed so callers can assert that). */
  get cryptoKey(): AesCryptoKey | undefined {
    return this.key;
  }

  private k(): AesCryptoKey {
    if (this.key === undefined) throw new StorageError('Locked', 'key wrapper destroyed');
    return this.key;
  }

  async wrap(dataKey: Uint8Array, aad: Uint8Array, nonce: Uint8Array): Promise<Uint8Array> {
    if (dataKey.length !== DATA_KEY_BYTES)
      throw new StorageError('InvalidArgument', '"dataKey" expected 32 bytes');
    if (nonce.length !== WRAP_NONCE_BYTES)
      throw new StorageError('InvalidArgument', '"nonce" expected 12 bytes');
    const ct = new Uint8Array(
      await subtle().encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad }, this.k(), dataKey),
    );
    const out = new Uint8Array(WRAP_NONCE_BYTES + ct.length);
    out.set(nonce, 0);
    out.set(ct, WRAP_NONCE_BYTES);
    return out;
  }

  async unwrap(wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    if (wrapped.length !== WRAPPED_KEY_BYTES)
      throw new StorageError('CorruptHeader', 'wrapped key has the wrong length');
    const key = this.k();
    try {
      const pt = await subtle().decrypt(
        { name: 'AES-GCM', iv: wrapped.subarray(0, WRAP_NONCE_BYTES), additionalData: aad },
        key,
        wrapped.subarray(WRAP_NONCE_BYTES),
      );
      return new Uint8Array(pt);
    } catch {
      throw new StorageError('WrongPassphrase', 'wrong passphrase');
    }
  }

  destroy(): void {
    this.key = undefined;
  }
}

/** Factory for `EncryptedStore` options: `{ keyWrapper: webCryptoKeyWrapper }`. */
export const webCryptoKeyWrapper: KeyWrapperFactory = async (passphrase, params) =>
  WebCryptoKeyWrapper.fromKek(await deriveKek(passphrase, params));
