/**
 * KEM keys as libsignal models them (`rust/protocol/src/kem.rs`): serialised public keys, secret
 * keys and ciphertexts carry a type byte — 0x08 Kyber1024 (round 3, what libsignal 0.103.0 uses and
 * accepts; Sotto generates this) or 0x0A ML-KEM-1024 (FIPS 203; decoded and fully supported, but
 * libsignal 0.103.0 rejects it).
 *
 * Kyber1024 round 3 is built on @noble/post-quantum's ML-KEM-1024: the two share key format, key
 * generation structure and encryption, and differ only in the final key derivation
 * (PROTOCOL.md "KEM"):
 *   encaps: m = SHA3-256(random32); (c, K̄) = ML-KEM.Encaps(pk; m); K = SHAKE256(K̄ || SHA3-256(c), 32)
 *   decaps: K̄ = ML-KEM.Decaps(sk, c); K = SHAKE256(K̄ || SHA3-256(c), 32)
 * On implicit rejection Kyber r3 returns SHAKE256(z || SHA3-256(c)) where ML-KEM returns
 * SHAKE256(z || c); `kyberDecapsulate` detects that case (K̄ equal to ML-KEM's rejection value)
 * and selects Kyber's rejection value without branching on secret data, so the output equals
 * libsignal's for every ciphertext.
 *
 * Deliberate strictness over libsignal: ML-KEM's input checks run for both types (a public key
 * with unreduced coefficients, or a secret key whose embedded H(pk) does not match, is refused
 * with InvalidKey); honest keys always pass them.
 */
import { ml_kem1024, type KEMPrepared } from '@noble/post-quantum/ml-kem.js';
import { sha3_256, shake256 } from '@noble/hashes/sha3.js';
import type { CryptoProvider } from './crypto-provider.js';
import { toHex, zeroize } from './bytes.js';
import { defaultCrypto } from './default-crypto.js';
import { ProtocolError } from './errors.js';

/** KEM type bytes: Kyber1024 round 3 (what libsignal 0.103.0 speaks) and ML-KEM-1024 (FIPS 203). */
export const KemKeyType = { Kyber1024: 0x08, MLKEM1024: 0x0a } as const;
export type KemKeyType = (typeof KemKeyType)[keyof typeof KemKeyType];
const KEM_TYPE_KYBER1024 = KemKeyType.Kyber1024;
const KEM_TYPE_MLKEM1024 = KemKeyType.MLKEM1024;

const RAW_PUBLIC_KEY_LENGTH = 1568;
const RAW_SECRET_KEY_LENGTH = 3168;
const RAW_CIPHERTEXT_LENGTH = 1568;
/** Serialised lengths in bytes (type byte included) and the shared secret length. */
export const KemLengths = {
  publicKey: RAW_PUBLIC_KEY_LENGTH + 1,
  secretKey: RAW_SECRET_KEY_LENGTH + 1,
  ciphertext: RAW_CIPHERTEXT_LENGTH + 1,
  sharedSecret: 32,
} as const;
const KEM_PUBLIC_KEY_LENGTH = KemLengths.publicKey;
const KEM_SECRET_KEY_LENGTH = KemLengths.secretKey;
const KEM_CIPHERTEXT_LENGTH = KemLengths.ciphertext;
/** Offset of z (the implicit-rejection secret) in a raw secret key: dk_PKE || ek || H(ek) || z. */
const Z_OFFSET = RAW_SECRET_KEY_LENGTH - 32;

function keyType(byte: number | undefined, what: string): KemKeyType {
  if (byte === KEM_TYPE_KYBER1024 || byte === KEM_TYPE_MLKEM1024) return byte;
  throw new ProtocolError('InvalidKey', `${what}: unknown KEM type ${byte}`);
}

function checkSerialized(
  bytes: unknown,
  length: number,
  what: string,
): { type: KemKeyType; raw: Uint8Array } {
  if (!(bytes instanceof Uint8Array)) throw new ProtocolError('InvalidKey', `${what}: expected bytes`);
  if (bytes.length === 0) throw new ProtocolError('InvalidKey', `${what}: no key type`);
  const type = keyType(bytes[0], what);
  if (bytes.length !== length) {
    throw new ProtocolError('InvalidKey', `${what}: expected ${length} bytes, got ${bytes.length}`);
  }
  return { type, raw: bytes.subarray(1) };
}

function withType(type: KemKeyType, raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(raw.length + 1);
  out[0] = type;
  out.set(raw, 1);
  return out;
}

/**
 * Prepared (pre-expanded) ML-KEM public keys, most recently used last. Expanding the matrix Â
 * from a public key is most of the cost of an encapsulation or decapsulation, and keys ARE reused:
 * a last-resort Kyber prekey serves every session started while one-time prekeys are exhausted,
 * and a sender may set up several sessions to the same bundle. Only public data is cached (noble
 * keeps the packed key, Â, t̂ and H(ek)); entries are found by the key's 32-byte seed ρ and
 * used only if the whole public key matches.
 */
const PREPARED_CACHE_SIZE = 8;
const EK_RHO_OFFSET = RAW_PUBLIC_KEY_LENGTH - 32;
/** Offset of the public key ek inside a raw secret key (dk_PKE || ek || H(ek) || z). */
const SK_EK_OFFSET = 1536;
const prepared = new Map<string, KEMPrepared>();

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The prepared form of a raw 1568-byte public key (validated by noble when first prepared). */
function preparedKey(ek: Uint8Array): KEMPrepared {
  const id = toHex(ek.subarray(EK_RHO_OFFSET));
  const hit = prepared.get(id);
  prepared.delete(id);
  if (hit !== undefined && bytesEqual(hit.publicKey, ek)) {
    prepared.set(id, hit);
    return hit;
  }
  hit?.clean();
  const fresh = ml_kem1024.prepare(ek);
  prepared.set(id, fresh);
  if (prepared.size > PREPARED_CACHE_SIZE) {
    const [oldestId, oldest] = prepared.entries().next().value!;
    prepared.delete(oldestId);
    oldest.clean();
  }
  return fresh;
}

/**
 * Kyber r3's final KDF: SHAKE256(key || H(c), 32) with H = SHA3-256. Takes H(c) rather than c so
 * decapsulation, which runs the KDF twice on the same ciphertext, hashes the 1568 bytes once.
 */
function kyberKdf(key: Uint8Array, ciphertextHash: Uint8Array): Uint8Array {
  return shake256.create({ dkLen: 32 }).update(key).update(ciphertextHash).digest();
}

/** Constant-time select: `flag` is 0 or 1 (1 picks `b`). */
function select(a: Uint8Array, b: Uint8Array, flag: number): Uint8Array {
  const mask = -flag & 0xff;
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ (mask & (a[i]! ^ b[i]!));
  return out;
}

function ctEqual(a: Uint8Array, b: Uint8Array): number {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return ((diff - 1) >>> 31) & 1; // 1 iff diff === 0
}

function encapsulateRaw(
  type: KemKeyType,
  pk: Uint8Array,
  random32: Uint8Array,
): { ss: Uint8Array; ct: Uint8Array } {
  const m = type === KEM_TYPE_KYBER1024 ? sha3_256(random32) : random32;
  let out: { cipherText: Uint8Array; sharedSecret: Uint8Array };
  try {
    out = preparedKey(pk).encapsulate(m);
  } catch (cause) {
    throw new ProtocolError('InvalidKey', 'KEM public key rejected', { cause });
  } finally {
    if (m !== random32) zeroize(m);
  }
  if (type === KEM_TYPE_MLKEM1024) return { ss: out.sharedSecret.slice(), ct: out.cipherText };
  const ss = kyberKdf(out.sharedSecret, sha3_256(out.cipherText));
  zeroize(out.sharedSecret);
  return { ss, ct: out.cipherText };
}

function decapsulateRaw(type: KemKeyType, sk: Uint8Array, ct: Uint8Array): Uint8Array {
  let kbar: Uint8Array;
  try {
    kbar = preparedKey(sk.subarray(SK_EK_OFFSET, SK_EK_OFFSET + RAW_PUBLIC_KEY_LENGTH)).decapsulate(ct, sk);
  } catch (cause) {
    throw new ProtocolError('InvalidKey', 'KEM secret key rejected', { cause });
  }
  if (type === KEM_TYPE_MLKEM1024) return kbar.slice();
  const z = sk.subarray(Z_OFFSET);
  const mlkemRejection = shake256.create({ dkLen: 32 }).update(z).update(ct).digest();
  const rejected = ctEqual(kbar, mlkemRejection);
  const ctHash = sha3_256(ct);
  const accept = kyberKdf(kbar, ctHash);
  const reject = kyberKdf(z, ctHash);
  const ss = select(accept, reject, rejected);
  zeroize(kbar, mlkemRejection, accept, reject);
  return ss;
}

/** A KEM public key (libsignal `kem::PublicKey`), serialised as type || 1568 bytes. */
export class KEMPublicKey {
  private constructor(
    readonly keyType: KemKeyType,
    private readonly bytes: Uint8Array,
  ) {}

  /** Strict: a known type byte and exactly 1569 bytes, else `ProtocolError('InvalidKey')`. */
  static deserialize(bytes: Uint8Array): KEMPublicKey {
    const { type } = checkSerialized(bytes, KEM_PUBLIC_KEY_LENGTH, 'KEM public key');
    return new KEMPublicKey(type, bytes.slice());
  }

  serialize(): Uint8Array {
    return this.bytes.slice();
  }

  /** A fresh shared secret and the serialised ciphertext (type byte || 1568 bytes) for it. */
  encapsulate(crypto: CryptoProvider = defaultCrypto()): {
    sharedSecret: Uint8Array;
    ciphertext: Uint8Array;
  } {
    return kemEncapsulate(this.bytes, crypto);
  }

  equals(other: KEMPublicKey): boolean {
    return this.keyType === other.keyType && ctEqual(this.bytes, other.bytes) === 1;
  }
}

/** A KEM secret key (libsignal `kem::SecretKey`), serialised as type || 3168 bytes. */
export class KEMSecretKey {
  private constructor(
    readonly keyType: KemKeyType,
    private readonly bytes: Uint8Array,
  ) {}

  static deserialize(bytes: Uint8Array): KEMSecretKey {
    const { type } = checkSerialized(bytes, KEM_SECRET_KEY_LENGTH, 'KEM secret key');
    return new KEMSecretKey(type, bytes.slice());
  }

  serialize(): Uint8Array {
    return this.bytes.slice();
  }

  /** The shared secret for a serialised ciphertext of the same KEM type. */
  decapsulate(ciphertext: Uint8Array): Uint8Array {
    return kemDecapsulate(this.bytes, ciphertext);
  }

  zeroize(): void {
    this.bytes.fill(0, 1);
  }
}

/** A KEM key pair (libsignal `kem::KeyPair`). */
export class KEMKeyPair {
  constructor(
    readonly publicKey: KEMPublicKey,
    readonly secretKey: KEMSecretKey,
  ) {
    if (publicKey.keyType !== secretKey.keyType) {
      throw new ProtocolError('InvalidKey', 'KEM key pair: public and secret key types differ');
    }
  }

  /** A fresh key pair; the 64-byte seed (d || z) comes from `crypto.randomBytes`. */
  static generate(
    type: KemKeyType = KEM_TYPE_KYBER1024,
    crypto: CryptoProvider = defaultCrypto(),
  ): KEMKeyPair {
    keyType(type, 'KEM key pair');
    const seed = crypto.randomBytes(64);
    if (!(seed instanceof Uint8Array) || seed.length !== 64) {
      throw new ProtocolError('InvalidArgument', 'randomBytes(64) returned the wrong length');
    }
    try {
      const { publicKey, secretKey } = ml_kem1024.keygen(seed);
      const pair = new KEMKeyPair(
        KEMPublicKey.deserialize(withType(type, publicKey)),
        KEMSecretKey.deserialize(withType(type, secretKey)),
      );
      zeroize(secretKey);
      return pair;
    } finally {
      zeroize(seed);
    }
  }

  getPublicKey(): KEMPublicKey {
    return this.publicKey;
  }

  getSecretKey(): KEMSecretKey {
    return this.secretKey;
  }
}

// ---- raw-bytes functions (hot path, no wrapper objects) ----

/** Encapsulates to a serialised KEM public key (1569 bytes); randomness from `crypto`. */
export function kemEncapsulate(
  publicKey: Uint8Array,
  crypto: CryptoProvider = defaultCrypto(),
): { sharedSecret: Uint8Array; ciphertext: Uint8Array } {
  const { type, raw } = checkSerialized(publicKey, KEM_PUBLIC_KEY_LENGTH, 'KEM public key');
  const random = crypto.randomBytes(32);
  try {
    const { ss, ct } = encapsulateRaw(type, raw, random);
    return { sharedSecret: ss, ciphertext: withType(type, ct) };
  } finally {
    zeroize(random);
  }
}

/**
 * Decapsulates a serialised ciphertext (1569 bytes) with a serialised secret key (3169 bytes).
 * A malformed ciphertext is `InvalidMessage`; a ciphertext of another KEM type than the key is
 * `InvalidKey` (libsignal `WrongKEMKeyType`).
 */
export function kemDecapsulate(secretKey: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const sk = checkSerialized(secretKey, KEM_SECRET_KEY_LENGTH, 'KEM secret key');
  let ct: { type: KemKeyType; raw: Uint8Array };
  try {
    ct = checkSerialized(ciphertext, KEM_CIPHERTEXT_LENGTH, 'KEM ciphertext');
  } catch (e) {
    throw new ProtocolError('InvalidMessage', (e as Error).message);
  }
  if (ct.type !== sk.type) {
    throw new ProtocolError(
      'InvalidKey',
      `KEM ciphertext type ${ct.type} does not match key type ${sk.type}`,
    );
  }
  return decapsulateRaw(sk.type, sk.raw, ct.raw);
}

/** Strict check of a serialised KEM ciphertext (for message decoders): its type, or InvalidMessage. */
export function checkKemCiphertext(ciphertext: Uint8Array): KemKeyType {
  try {
    return checkSerialized(ciphertext, KEM_CIPHERTEXT_LENGTH, 'KEM ciphertext').type;
  } catch (e) {
    throw new ProtocolError('InvalidMessage', (e as Error).message);
  }
}
