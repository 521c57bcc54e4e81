/**
 * libsignal's XEdDSA variant over Curve25519 keys (`rust/core/src/curve/curve25519.rs`), which
 * differs from the published XEdDSA spec (signal.org/docs/specifications/xeddsa):
 * - the Edwards private scalar `a` is the clamped X25519 scalar itself, NOT negated to force a
 *   positive public key; instead the sign bit of `A = a·B` travels in the top bit of `sig[63]`
 *   (a bit that is always 0 in a reduced `s`), as libsignal-protocol-java did;
 * - nonce `r = SHA-512(0xFE || 0xFF×31 || a || M || Z) mod L` with 64 random bytes Z;
 * - verification maps `u` to Edwards `y = (u − 1)/(u + 1)`, takes the sign from `sig[63]`,
 *   requires the top 3 bits of `s` to be zero (not `s < L`), and compares the encoding of
 *   `s·B − h·A` byte-for-byte with R.
 * Built on noble's audited ed25519 point arithmetic; noble's `ed25519.sign` cannot be used because
 * it derives its scalar from a seed.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { XEdDSAError } from './errors.js';

export const XEDDSA_SIGNATURE_LENGTH = 64;
export const X25519_KEY_LENGTH = 32;
/** libsignal's Curve25519 public key type byte (`0x05 || u`). */
export const DJB_KEY_TYPE = 0x05;

const Point = ed25519.Point;
const Fp = Point.Fp;
const Fn = Point.Fn;
const U_MASK = (1n << 255n) - 1n;
const MINUS_ONE = Fp.ORDER - 1n;
/** u of the points of order dividing 8 (RFC 7748 §6.1 list, −1 excluded: it has no Edwards image). */
const SMALL_ORDER_U = new Set([
  0n,
  1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
]);

/**
 * A strict RFC 8032 Ed25519 verifier (cofactorless: `encode(s·B − h·A) == R`, `s < L`), such as
 * node:crypto's (see `@sotto/xeddsa/node`). XEdDSA verification is exactly this equation once `u`
 * is mapped to Edwards, so a fast platform verifier can do the expensive part. It is only called
 * with `s < L`, a canonical A of large order; the other cases stay on the noble path.
 */
export type Ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

export interface XEdDSAVerifyOptions {
  /** Optional platform Ed25519 verifier used for the double scalar multiplication. */
  ed25519Verify?: Ed25519Verify | undefined;
}
const R_PREFIX = (() => {
  const p = new Uint8Array(32).fill(0xff);
  p[0] = 0xfe;
  return p;
})();

function expectBytes(value: unknown, length: number | undefined, what: string): Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new XEdDSAError('InvalidArgument', `"${what}" expected Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new XEdDSAError('InvalidArgument', `"${what}" expected ${length} bytes, got ${value.length}`);
  }
  return value;
}

/** RFC 7748 clamping, on a copy. libsignal clamps every private key it constructs. */
function clamp(scalar: Uint8Array): Uint8Array {
  const k = scalar.slice();
  k[0]! &= 248;
  k[31]! &= 127;
  k[31]! |= 64;
  return k;
}

/** A 64-byte hash as a scalar mod L (`Scalar::from_bytes_mod_order_wide`). */
function wideScalar(hash: Uint8Array): bigint {
  return Fn.create(bytesToNumberLE(hash));
}

function sha512Concat(...parts: Uint8Array[]): Uint8Array {
  const h = sha512.create();
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * Signs `message` with a 32-byte X25519 private key (clamped here if it is not already).
 * `random` is the 64-byte nonce randomness Z; inject it only for reproducible tests.
 */
export function xeddsaSign(privateKey: Uint8Array, message: Uint8Array, random?: Uint8Array): Uint8Array {
  expectBytes(privateKey, X25519_KEY_LENGTH, 'privateKey');
  expectBytes(message, undefined, 'message');
  const z = random === undefined ? randomBytes(64) : expectBytes(random, 64, 'random');
  const keyData = clamp(privateKey);
  try {
    // Clamped scalars lie in [2^254, 2^255) and are multiples of 8, so a mod L is never 0.
    const a = Fn.create(bytesToNumberLE(keyData));
    const capA = Point.BASE.multiply(a).toBytes();
    const signBit = capA[31]! & 0x80;
    const r = wideScalar(sha512Concat(R_PREFIX, keyData, message, z));
    // r = 0 has probability 2^-252; noble's constant-time multiply refuses it, so would we.
    const capR = Point.BASE.multiply(r).toBytes();
    const h = wideScalar(sha512Concat(capR, capA, message));
    const s = Fn.add(Fn.mul(h, a), r);
    const sig = new Uint8Array(XEDDSA_SIGNATURE_LENGTH);
    sig.set(capR, 0);
    sig.set(numberToBytesLE(s, 32), 32);
    sig[63] = (sig[63]! & 0x7f) | signBit;
    return sig;
  } finally {
    keyData.fill(0);
  }
}

/**
 * Verifies a libsignal XEdDSA signature against a 32-byte Montgomery `u` public key.
 * Never throws: any malformed input (wrong types or lengths, u = −1, an off-curve point) is `false`.
 */
export function xeddsaVerify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  options?: XEdDSAVerifyOptions,
): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== X25519_KEY_LENGTH) return false;
  if (!(message instanceof Uint8Array)) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== XEDDSA_SIGNATURE_LENGTH) return false;
  try {
    return verifyUnchecked(publicKey, message, signature, options?.ed25519Verify);
  } catch {
    return false;
  }
}

function verifyUnchecked(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  ed25519Verify: Ed25519Verify | undefined,
): boolean {
  // curve25519-dalek `MontgomeryPoint::to_edwards`: the top bit of u is ignored, u is reduced mod p,
  // u = −1 has no Edwards image.
  const u = Fp.create(bytesToNumberLE(publicKey) & U_MASK);
  if (u === MINUS_ONE) return false;
  const y = Fp.mul(Fp.sub(u, Fp.ONE), Fp.inv(Fp.add(u, Fp.ONE)));
  const yBytes = numberToBytesLE(y, 32);
  yBytes[31]! |= signature[63]! & 0x80;

  const capR = signature.subarray(0, 32);
  const sBytes = signature.slice(32, 64);
  sBytes[31]! &= 0x7f;
  if ((sBytes[31]! & 0xe0) !== 0) return false;
  const sRaw = bytesToNumberLE(sBytes);

  if (ed25519Verify !== undefined && sRaw < Fn.ORDER && !SMALL_ORDER_U.has(u)) {
    // For u ≠ 0 the decompressed point has x ≠ 0, so y with the sign bit IS its canonical encoding.
    const edSignature = new Uint8Array(64);
    edSignature.set(capR);
    edSignature.set(sBytes, 32);
    return ed25519Verify(yBytes, message, edSignature);
  }

  // zip215 = true only so that x = 0 with the sign bit set decodes as dalek's `decompress` does
  // (to x = 0); y is canonical here, so nothing else is loosened.
  const A = Point.fromBytes(yBytes, true);
  const capA = A.toBytes();
  const s = Fn.create(sRaw);
  const h = wideScalar(sha512Concat(capR, capA, message));

  // Public data only, so variable-time multiplication is fine here.
  const check = Point.BASE.multiplyUnsafe(s).subtract(A.multiplyUnsafe(h)).toBytes();
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= check[i]! ^ capR[i]!;
  return diff === 0;
}

/**
 * Verifies against a serialised libsignal public key (`0x05 || u`, 33 bytes), the form that prekey
 * bundles carry. Any other length or type byte is `false`.
 */
export function xeddsaVerifySignalKey(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  options?: XEdDSAVerifyOptions,
): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 33 || publicKey[0] !== DJB_KEY_TYPE)
    return false;
  return xeddsaVerify(publicKey.subarray(1), message, signature, options);
}
