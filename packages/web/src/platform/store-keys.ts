/**
 * Every key of the browser's encrypted store as a NON-EXTRACTABLE WebCrypto CryptoKey.
 *
 * Same key schedule as @sotto/client's `EncryptedStore` (so the same IndexedDB data opens with
 * either): KEK = scrypt(passphrase, header params); the header holds nonce(12) || AES-256-GCM(KEK,
 * nonce, dataKey, headerAad); recordKey = HKDF-SHA256(dataKey, salt = empty, "sotto store v1 record
 * key", 32) used with AES-256-GCM; blindKey = HKDF-SHA256(dataKey, empty, "sotto store v1 blind
 * key", 32) used with HMAC-SHA256. (An empty HKDF salt and RFC 5869's default of HashLen zeros give
 * the same PRK, since HMAC zero-pads keys.)
 *
 * Where raw key bytes exist in JS, and for how long:
 * - the KEK: from scrypt until `importKey` returns (then zeroised);
 * - the data key on UNLOCK: never — `unwrapKey` decrypts it inside WebCrypto straight into a
 *   non-extractable HKDF key, which is used once to derive the two subkeys and then dropped;
 * - the data key on CREATE and on a passphrase change: while it is encrypted under the (new) KEK
 *   and imported (then zeroised);
 * - recordKey and blindKey: never (`deriveKey` into non-extractable AES-GCM / HMAC keys).
 */
import {
  DATA_KEY_BYTES,
  deriveKek,
  encodeHeaderAad,
  StorageError,
  WRAP_NONCE_BYTES,
  WRAPPED_KEY_BYTES,
  type KdfParams,
} from '@sotto/client';

/** The keys an unlocked store holds: nothing else, and never their bytes. */
export interface HeldKeys {
  /** AES-256-GCM for record values. */
  readonly record: CryptoKey;
  /** HMAC-SHA256 for blinding key parts. */
  readonly blind: CryptoKey;
}

/** What a CryptoKey is (for the settings screen and the tests); never its bytes. */
export interface KeyInfo {
  algorithm: string;
  extractable: boolean;
  usages: readonly string[];
}

export function describeKey(k: CryptoKey): KeyInfo {
  return { algorithm: k.algorithm.name, extractable: k.extractable, usages: [...k.usages] };
}

/** scrypt → 32 bytes; injectable so tests can check the bytes were zeroised. */
export type KekDeriver = (passphrase: string, params: KdfParams) => Promise<Uint8Array>;

const text = new TextEncoder();
const RECORD_INFO = text.encode('sotto store v1 record key');
const BLIND_INFO = text.encode('sotto store v1 blind key');

/** WebCrypto's typings want ArrayBuffer-backed views; ours never use a SharedArrayBuffer. */
const bs = (u: Uint8Array): Uint8Array<ArrayBuffer> => u as Uint8Array<ArrayBuffer>;

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (s === undefined) throw new StorageError('InvalidArgument', 'WebCrypto is not available');
  return s;
}

/** The KEK as a non-extractable AES-GCM key with only `usages`; the derived bytes are zeroised. */
async function kekKey(
  passphrase: string,
  params: KdfParams,
  usages: KeyUsage[],
  derive: KekDeriver,
): Promise<CryptoKey> {
  const raw = await derive(passphrase, params);
  try {
    return await subtle().importKey('raw', bs(raw), { name: 'AES-GCM' }, false, usages);
  } finally {
    raw.fill(0);
  }
}

async function subkeys(dataKey: CryptoKey): Promise<HeldKeys> {
  const hkdf = (info: Uint8Array) => ({
    name: 'HKDF',
    hash: 'SHA-256',
    salt: new Uint8Array(0),
    info: bs(info),
  });
  const [record, blind] = await Promise.all([
    subtle().deriveKey(hkdf(RECORD_INFO), dataKey, { name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]),
    subtle().deriveKey(hkdf(BLIND_INFO), dataKey, { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, [
      'sign',
    ]),
  ]);
  return { record, blind };
}

/** Imports raw data-key bytes (create / rewrap only) as a non-extractable HKDF key; zeroises them. */
async function importDataKey(dataKey: Uint8Array): Promise<CryptoKey> {
  try {
    return await subtle().importKey('raw', bs(dataKey), 'HKDF', false, ['deriveKey']);
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Wraps `dataKey` under the KEK from (passphrase, params) → the header's wrappedKey (and what
 * kind of key the KEK was). The caller still owns (and zeroises) `dataKey`.
 */
export async function wrapDataKey(
  dataKey: Uint8Array,
  passphrase: string,
  params: KdfParams,
  nonce: Uint8Array,
  derive: KekDeriver = deriveKek,
): Promise<{ wrappedKey: Uint8Array; kek: KeyInfo }> {
  if (dataKey.length !== DATA_KEY_BYTES || nonce.length !== WRAP_NONCE_BYTES)
    throw new StorageError('InvalidArgument', 'data key or nonce has the wrong length');
  const kek = await kekKey(passphrase, params, ['encrypt'], derive);
  const ct = await subtle().encrypt(
    { name: 'AES-GCM', iv: bs(nonce), additionalData: bs(encodeHeaderAad(params)) },
    kek,
    bs(dataKey),
  );
  const out = new Uint8Array(WRAPPED_KEY_BYTES);
  out.set(nonce, 0);
  out.set(new Uint8Array(ct), WRAP_NONCE_BYTES);
  return { wrappedKey: out, kek: describeKey(kek) };
}

/** The subkeys of fresh data-key bytes (create); the bytes are zeroised. */
export async function keysFromDataKey(dataKey: Uint8Array): Promise<HeldKeys> {
  return subkeys(await importDataKey(dataKey));
}

/**
 * Unlock: unwraps the data key INSIDE WebCrypto (never as bytes) and derives the subkeys.
 * `WrongPassphrase` when the KEK does not authenticate the wrapped key.
 */
export async function unlockKeys(
  wrapped: Uint8Array,
  passphrase: string,
  params: KdfParams,
  derive: KekDeriver = deriveKek,
): Promise<{ keys: HeldKeys; kek: KeyInfo }> {
  if (wrapped.length !== WRAPPED_KEY_BYTES)
    throw new StorageError('CorruptHeader', 'wrapped key has the wrong length');
  const kek = await kekKey(passphrase, params, ['unwrapKey'], derive);
  let dataKey: CryptoKey;
  try {
    dataKey = await subtle().unwrapKey(
      'raw',
      bs(wrapped.subarray(WRAP_NONCE_BYTES)),
      kek,
      {
        name: 'AES-GCM',
        iv: bs(wrapped.subarray(0, WRAP_NONCE_BYTES)),
        additionalData: bs(encodeHeaderAad(params)),
      },
      'HKDF',
      false,
      ['deriveKey'],
    );
  } catch {
    // The header was validated, so a failed GCM tag means a different KEK.
    throw new StorageError('WrongPassphrase', 'wrong passphrase');
  }
  return { keys: await subkeys(dataKey), kek: describeKey(kek) };
}

/**
 * The data key as bytes, for a passphrase change only (a non-extractable key cannot be rewrapped,
 * so the old passphrase is needed). The caller zeroises the result.
 */
export async function unwrapDataKeyBytes(
  wrapped: Uint8Array,
  passphrase: string,
  params: KdfParams,
  derive: KekDeriver = deriveKek,
): Promise<Uint8Array> {
  if (wrapped.length !== WRAPPED_KEY_BYTES)
    throw new StorageError('CorruptHeader', 'wrapped key has the wrong length');
  const kek = await kekKey(passphrase, params, ['decrypt'], derive);
  try {
    return new Uint8Array(
      await subtle().decrypt(
        {
          name: 'AES-GCM',
          iv: bs(wrapped.subarray(0, WRAP_NONCE_BYTES)),
          additionalData: bs(encodeHeaderAad(params)),
        },
        kek,
        bs(wrapped.subarray(WRAP_NONCE_BYTES)),
      ),
    );
  } catch {
    throw new StorageError('WrongPassphrase', 'wrong passphrase');
  }
}

/** HMAC-SHA256(blind, data). */
export async function blindMac(keys: HeldKeys, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().sign('HMAC', keys.blind, bs(data)));
}

/** AES-256-GCM(record, nonce, plaintext, aad) → ciphertext || tag. */
export async function sealBytes(
  keys: HeldKeys,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  return new Uint8Array(
    await subtle().encrypt(
      { name: 'AES-GCM', iv: bs(nonce), additionalData: bs(aad) },
      keys.record,
      bs(plaintext),
    ),
  );
}

/** Inverse of sealBytes; rejects (any error) when authentication fails. */
export async function openBytes(
  keys: HeldKeys,
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Promise<Uint8Array> {
  return new Uint8Array(
    await subtle().decrypt(
      { name: 'AES-GCM', iv: bs(nonce), additionalData: bs(aad) },
      keys.record,
      bs(ciphertext),
    ),
  );
}
