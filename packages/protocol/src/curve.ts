/**
 * Curve25519 keys as libsignal models them (`rust/core/src/curve.rs`): a public key travels as
 * `0x05 || u` (33 bytes), a private key is a 32-byte clamped X25519 scalar; signatures are
 * libsignal's XEdDSA variant (@sotto/xeddsa). Every operation takes an optional CryptoProvider
 * (default: `defaultCrypto()`), which is also where randomness comes from, so tests can inject it.
 *
 * The session layer's hot path can use the raw-bytes functions at the bottom and skip the wrappers.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { DJB_KEY_TYPE, xeddsaSign, xeddsaVerifySignalKey } from '@sotto/xeddsa';
import type { CryptoProvider } from './crypto-provider.js';
import { expectBytes } from './bytes.js';
import { defaultCrypto } from './default-crypto.js';
import { ProtocolError } from './errors.js';
import { isTorsionFreeProjective } from './torsion-check.js';

export const CURVE_PUBLIC_KEY_LENGTH = 33;
export const CURVE_PRIVATE_KEY_LENGTH = 32;
export const CURVE_SIGNATURE_LENGTH = 64;
/** libsignal's key type byte for Curve25519 ("DJB") keys. */
export const CURVE25519_KEY_TYPE = DJB_KEY_TYPE;

/** RFC 7748 §5 clamping, in place. */
function clampInPlace(k: Uint8Array): Uint8Array {
  k[0]! &= 248;
  k[31]! &= 127;
  k[31]! |= 64;
  return k;
}

function checkedPublicKey(bytes: unknown, what: string): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new ProtocolError('InvalidKey', `${what}: expected bytes`);
  if (bytes.length !== CURVE_PUBLIC_KEY_LENGTH) {
    throw new ProtocolError(
      'InvalidKey',
      `${what}: expected ${CURVE_PUBLIC_KEY_LENGTH} bytes, got ${bytes.length}`,
    );
  }
  if (bytes[0] !== DJB_KEY_TYPE) throw new ProtocolError('InvalidKey', `${what}: bad key type ${bytes[0]}`);
  return bytes;
}

/** A Curve25519 public key (`0x05 || u`). Immutable. */
export class PublicKey {
  private constructor(private readonly bytes: Uint8Array) {}

  /**
   * Strictly decodes exactly 33 bytes with the 0x05 type byte, else `ProtocolError('InvalidKey')`.
   * (libsignal tolerates trailing bytes with a warning and means to make them an error; we do now.)
   */
  static deserialize(bytes: Uint8Array): PublicKey {
    return new PublicKey(checkedPublicKey(bytes, 'public key').slice());
  }

  /** From a raw 32-byte Montgomery u-coordinate. */
  static fromPublicKeyBytes(u: Uint8Array): PublicKey {
    if (!(u instanceof Uint8Array) || u.length !== 32) {
      throw new ProtocolError('InvalidKey', 'public key: expected 32 raw bytes');
    }
    const bytes = new Uint8Array(CURVE_PUBLIC_KEY_LENGTH);
    bytes[0] = DJB_KEY_TYPE;
    bytes.set(u, 1);
    return new PublicKey(bytes);
  }

  /** `0x05 || u`, 33 bytes (a fresh copy). */
  serialize(): Uint8Array {
    return this.bytes.slice();
  }

  /** The raw 32-byte u-coordinate (a fresh copy). */
  getPublicKeyBytes(): Uint8Array {
    return this.bytes.slice(1);
  }

  /** Checks a libsignal XEdDSA signature over `message`. Never throws on malformed signatures. */
  verify(message: Uint8Array, signature: Uint8Array, crypto: CryptoProvider = defaultCrypto()): boolean {
    return verifySignature(this.bytes, message, signature, crypto);
  }

  /** libsignal `PublicKey::is_canonical`: u < p and the point lies in the prime-order subgroup. */
  isCanonical(): boolean {
    return isCanonicalPublicKey(this.bytes);
  }

  equals(other: PublicKey): boolean {
    let diff = 0;
    for (let i = 0; i < CURVE_PUBLIC_KEY_LENGTH; i++) diff |= this.bytes[i]! ^ other.bytes[i]!;
    return diff === 0;
  }

  /** Byte-wise order of the serialised keys (as libsignal's `Ord`): negative, 0 or positive. */
  compare(other: PublicKey): number {
    for (let i = 0; i < CURVE_PUBLIC_KEY_LENGTH; i++) {
      const d = this.bytes[i]! - other.bytes[i]!;
      if (d !== 0) return d;
    }
    return 0;
  }
}

/** A Curve25519 private key: a 32-byte clamped scalar. */
export class PrivateKey {
  private publicKey: PublicKey | undefined;

  private constructor(private readonly scalar: Uint8Array) {}

  /** A fresh key from the provider's randomness (libsignal `PrivateKey::new`). */
  static generate(crypto: CryptoProvider = defaultCrypto()): PrivateKey {
    return new PrivateKey(clampInPlace(expectBytes(crypto.randomBytes(32), 32, 'random bytes').slice()));
  }

  /** 32 bytes, clamped on the way in as libsignal does; any other length is InvalidKey. */
  static deserialize(bytes: Uint8Array): PrivateKey {
    if (!(bytes instanceof Uint8Array) || bytes.length !== CURVE_PRIVATE_KEY_LENGTH) {
      throw new ProtocolError('InvalidKey', 'private key: expected 32 bytes');
    }
    return new PrivateKey(clampInPlace(bytes.slice()));
  }

  /** The 32-byte clamped scalar (a fresh copy: callers should zeroize it when done). */
  serialize(): Uint8Array {
    return this.scalar.slice();
  }

  getPublicKey(crypto: CryptoProvider = defaultCrypto()): PublicKey {
    this.publicKey ??= PublicKey.fromPublicKeyBytes(crypto.x25519PublicKey(this.scalar));
    return this.publicKey;
  }

  /** X25519 with `their` key; a small-order key (all-zero secret) is `ProtocolError('InvalidKey')`. */
  agree(their: PublicKey, crypto: CryptoProvider = defaultCrypto()): Uint8Array {
    return calculateAgreement(this.scalar, their.serialize(), crypto);
  }

  /** A randomised libsignal XEdDSA signature; the 64 random bytes come from `crypto`. */
  sign(message: Uint8Array, crypto: CryptoProvider = defaultCrypto()): Uint8Array {
    return calculateSignature(this.scalar, message, crypto);
  }

  /** Overwrites the scalar; the key is unusable afterwards. */
  zeroize(): void {
    this.scalar.fill(0);
    this.publicKey = undefined;
  }
}

/** A private key with its public key (libsignal `KeyPair`). */
export class KeyPair {
  constructor(
    readonly publicKey: PublicKey,
    readonly privateKey: PrivateKey,
  ) {}

  static generate(crypto: CryptoProvider = defaultCrypto()): KeyPair {
    const privateKey = PrivateKey.generate(crypto);
    return new KeyPair(privateKey.getPublicKey(crypto), privateKey);
  }

  agree(their: PublicKey, crypto: CryptoProvider = defaultCrypto()): Uint8Array {
    return this.privateKey.agree(their, crypto);
  }

  sign(message: Uint8Array, crypto: CryptoProvider = defaultCrypto()): Uint8Array {
    return this.privateKey.sign(message, crypto);
  }
}

// ---- raw-bytes functions (hot path, no wrapper objects) ----

/**
 * X25519 between a 32-byte private scalar and a 33-byte serialised public key. Refuses a
 * small-order public key (its all-zero result) with `ProtocolError('InvalidKey')`.
 */
export function calculateAgreement(
  privateKey: Uint8Array,
  publicKey: Uint8Array,
  crypto: CryptoProvider = defaultCrypto(),
): Uint8Array {
  checkedPublicKey(publicKey, 'public key');
  const shared = crypto.x25519(privateKey, publicKey.subarray(1));
  let acc = 0;
  for (let i = 0; i < shared.length; i++) acc |= shared[i]!;
  if (acc === 0) throw new ProtocolError('InvalidKey', 'invalid key agreement (small-order public key)');
  return shared;
}

/** Signs with a 32-byte private scalar; randomness from `crypto.randomBytes(64)`. */
export function calculateSignature(
  privateKey: Uint8Array,
  message: Uint8Array,
  crypto: CryptoProvider = defaultCrypto(),
): Uint8Array {
  expectBytes(privateKey, CURVE_PRIVATE_KEY_LENGTH, 'private key');
  expectBytes(message, undefined, 'message');
  const random = crypto.randomBytes(64);
  try {
    return xeddsaSign(privateKey, message, random);
  } finally {
    random.fill(0);
  }
}

/**
 * Verifies a libsignal XEdDSA signature against a 33-byte serialised public key. Returns false
 * (never throws) for a malformed key or signature. Uses the provider's Ed25519 verifier if any.
 */
export function verifySignature(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  crypto: CryptoProvider = defaultCrypto(),
): boolean {
  return xeddsaVerifySignalKey(publicKey, message, signature, { ed25519Verify: crypto.ed25519Verify });
}

const Point = ed25519.Point;
const Fp = Point.Fp;
const P = Fp.ORDER;

/**
 * libsignal `PublicKey::is_canonical` (PQXDH: Bob rejects a non-canonical base key). True iff the
 * key is 33 bytes with type 0x05, u < p (so the top bit is clear), and `u` maps to an Edwards point
 * (curve25519-dalek `to_edwards(0)`: on the curve, u ≠ −1) in the prime-order subgroup. So keys on
 * the twist, small-order keys and keys with a torsion component are all non-canonical.
 * Accepts a raw 32-byte u as well. Never throws.
 */
export function isCanonicalPublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array)) return false;
  let u32: Uint8Array;
  if (publicKey.length === CURVE_PUBLIC_KEY_LENGTH && publicKey[0] === DJB_KEY_TYPE)
    u32 = publicKey.subarray(1);
  else if (publicKey.length === 32) u32 = publicKey;
  else return false;
  const u = bytesToNumberLE(u32);
  if (u >= P) return false; // also catches the top bit: 2^255 > p
  if (u === P - 1n) return false; // u = −1 has no Edwards image
  const y = Fp.mul(Fp.sub(u, Fp.ONE), Fp.inv(Fp.add(u, Fp.ONE)));
  let point: InstanceType<typeof Point>;
  try {
    point = Point.fromBytes(numberToBytesLE(y, 32));
  } catch {
    return false; // not on the curve (u is on the twist)
  }
  // [L]P = O, as noble's `point.isTorsionFree()` but with less CPU (torsion-check.ts).
  return isTorsionFreeProjective(point.X, point.Y, point.Z);
}
