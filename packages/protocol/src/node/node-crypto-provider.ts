/**
 * A CryptoProvider on node:crypto (OpenSSL): the same contract as `nobleCrypto`, several times
 * faster for the per-message HMAC/HKDF/AES work and ~10x+ for X25519 (measured by
 * bench/provider.bench.ts). Node-only: import it from `@sotto/protocol/node`.
 *
 * Outputs are returned as plain Uint8Array views (never Buffer): Buffer#slice does not copy, and
 * callers in the isomorphic core rely on Uint8Array#slice semantics.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  type KeyObject,
  randomFillSync,
} from 'node:crypto';
import { nodeEd25519Verify } from '@sotto/xeddsa/node';
import type { CryptoProvider } from '../crypto-provider.js';
import { expectBytes } from '../bytes.js';
import { ProtocolError } from '../errors.js';
import { nobleCrypto } from '../noble-provider.js';
import { checkAesArgs, checkHkdfLength, checkX25519Args, smallOrderKeyError } from '../provider-checks.js';
import { RandomPool } from './random-pool.js';

/** Node's hkdfSync refuses `info` longer than this; longer infos fall back to noble. */
const NODE_HKDF_MAX_INFO = 1024;

function view(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function b64url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
}

/**
 * Raw 32-byte X25519 keys enter OpenSSL as JWK (RFC 8037): on OpenSSL 3 that is ~10x cheaper than
 * the PKCS#8/SPKI DER decoders. For a private key Node 20 requires `x` to be a string but derives
 * the public half from `d` itself (the conformance suite checks the results against noble) — so
 * every import costs a full scalar multiplication.
 *
 * Hence a cache: the KeyObject made for a private-key ARRAY is kept in a WeakMap keyed by that
 * array, so a key generated and then used for one or more agreements (a ratchet step, Alice's
 * PQXDH base key, a signed prekey used twice by `pqxdhAccept`) is imported once: a DH ratchet step
 * costs 4 scalar multiplications instead of 5, Alice's PQXDH 5 instead of 9. Forward secrecy: an
 * entry lives exactly as long as the array that holds the key (the state owning it); it is never
 * keyed by the key's VALUE, so nothing outlives its owner. An entry is used only while the array
 * still holds the bytes it was made from (a zeroised or rewritten array gets a fresh import and the
 * old KeyObject is dropped).
 */
const privateKeyCache = new WeakMap<Uint8Array, { readonly d: string; readonly key: KeyObject }>();

function privateKeyObject(privateKey: Uint8Array): KeyObject {
  const d = b64url(privateKey);
  const hit = privateKeyCache.get(privateKey);
  if (hit !== undefined && hit.d === d) return hit.key;
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: '' }, format: 'jwk' });
  privateKeyCache.set(privateKey, { d, key });
  return key;
}

/**
 * Imported PUBLIC keys, by value, most recently used last (a few entries). A DH ratchet step
 * agrees twice with the same peer ratchet key (our previous and our new ratchet key) and PQXDH
 * uses the peer's keys several times; each JWK import costs ≈ 8.6 µs. Only public data is kept,
 * so caching by value has no forward-secrecy cost.
 */
const PUBLIC_KEY_CACHE_SIZE = 8;
const publicKeyCache = new Map<string, KeyObject>();

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const x = b64url(publicKey);
  const hit = publicKeyCache.get(x);
  if (hit !== undefined) {
    publicKeyCache.delete(x);
    publicKeyCache.set(x, hit);
    return hit;
  }
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
  publicKeyCache.set(x, key);
  if (publicKeyCache.size > PUBLIC_KEY_CACHE_SIZE) {
    const oldest = publicKeyCache.keys().next().value;
    if (oldest !== undefined) publicKeyCache.delete(oldest);
  }
  return key;
}

/** One randomFillSync per KiB instead of per request (why, and why it is safe: random-pool.ts). */
const randomPool = new RandomPool((target) => {
  randomFillSync(target);
});

export const nodeCrypto: CryptoProvider = Object.freeze({
  name: 'node',
  randomBytes(length: number): Uint8Array {
    return randomPool.take(length);
  },
  sha256(data: Uint8Array): Uint8Array {
    return view(createHash('sha256').update(data).digest());
  },
  sha512(data: Uint8Array): Uint8Array {
    return view(createHash('sha512').update(data).digest());
  },
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
    return view(createHmac('sha256', key).update(data).digest());
  },
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array {
    checkHkdfLength(length);
    if (length === 0) return new Uint8Array(0);
    if (length <= HMAC_HKDF_MAX_LENGTH) return hkdfOverHmac(ikm, salt ?? EMPTY, info, length);
    if (info.length > NODE_HKDF_MAX_INFO) return nobleCrypto.hkdfSha256(ikm, salt, info, length);
    // An absent salt is HashLen zero bytes (RFC 5869 §2.2); HMAC pads an empty key to the same.
    return new Uint8Array(hkdfSync('sha256', ikm, salt ?? EMPTY, info, length));
  },
  aes256CbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
    checkAesArgs(key, iv);
    const c = createCipheriv('aes-256-cbc', key, iv);
    const head = c.update(plaintext);
    const tail = c.final();
    return joinOutput(head, tail);
  },
  aes256CbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    checkAesArgs(key, iv);
    if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) {
      throw new ProtocolError('InvalidMessage', 'AES-CBC ciphertext is not whole blocks');
    }
    const d = createDecipheriv('aes-256-cbc', key, iv);
    let head: Buffer;
    let tail: Buffer;
    try {
      head = d.update(ciphertext);
      tail = d.final();
    } catch (cause) {
      throw new ProtocolError('InvalidMessage', 'AES-CBC decryption failed (bad padding)', { cause });
    }
    return joinOutput(head, tail);
  },
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    checkX25519Args(privateKey, publicKey);
    const priv = privateKeyObject(privateKey);
    let pub: KeyObject;
    try {
      pub = publicKeyObject(publicKey);
    } catch (cause) {
      throw new ProtocolError('InvalidKey', 'invalid X25519 public key', { cause });
    }
    try {
      // OpenSSL fails on an all-zero result, i.e. a small-order peer key (RFC 7748 §6.1).
      return view(diffieHellman({ privateKey: priv, publicKey: pub }));
    } catch (cause) {
      throw smallOrderKeyError(cause);
    }
  },
  x25519PublicKey(privateKey: Uint8Array): Uint8Array {
    expectBytes(privateKey, 32, 'x25519 private key');
    const jwk = createPublicKey(privateKeyObject(privateKey)).export({ format: 'jwk' });
    const out = new Uint8Array(32);
    // Copied out of Node's shared Buffer pool: public keys are long-lived.
    if (out.length !== Buffer.from(jwk.x ?? '', 'base64url').copy(out)) {
      throw new ProtocolError('InvalidKey', 'unexpected X25519 public key from node:crypto');
    }
    return out;
  },
  ed25519Verify: nodeEd25519Verify,
});

const EMPTY = new Uint8Array(0);

/**
 * Outputs up to this length (the ratchet's root step and SPQR chain step: 64 bytes) are derived by
 * `hkdfOverHmac` rather than `hkdfSync`: 3 HMAC calls beat one `hkdfSync`; 4 (80 bytes, the
 * message keys) already cost more, so longer outputs stay native (figures below).
 */
const HMAC_HKDF_MAX_LENGTH = 2 * 32;

/**
 * HKDF-SHA256 exactly as RFC 5869 §2.2–2.3 defines it, over node:crypto's HMAC:
 * PRK = HMAC(salt, IKM); T(i) = HMAC(PRK, T(i-1) || info || i); OKM = first `length` bytes of
 * T(1) || T(2) || …  An empty salt is an empty HMAC key, which HMAC zero-pads exactly like the
 * RFC's HashLen zero bytes.
 *
 * Why not `hkdfSync`: on Node 20 / OpenSSL 3 each `hkdfSync` call wraps the IKM in a new KeyObject
 * and fetches the HKDF implementation afresh; for the short outputs of the ratchet that fixed cost
 * exceeds 3 HMACs. Measured with valgrind callgrind (instructions per call, 10,000 calls, 32-byte
 * IKM and salt): 64-byte output 92k here vs 106k for `hkdfSync` (−13 %); 80-byte output 123k vs
 * 114k (+8 %), hence the 64-byte limit.
 * Correctness: the RFC 5869 vectors and the node-vs-noble property test in the provider suite.
 */
function hkdfOverHmac(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  const out = new Uint8Array(length);
  const counter = new Uint8Array(1);
  let previous: Buffer | undefined;
  try {
    for (let at = 0, i = 1; at < length; at += 32, i++) {
      const mac = createHmac('sha256', prk);
      if (previous !== undefined) mac.update(previous);
      counter[0] = i;
      const block = mac.update(info).update(counter).digest();
      previous?.fill(0);
      previous = block;
      out.set(length - at >= 32 ? block : block.subarray(0, length - at), at);
    }
  } finally {
    prk.fill(0);
    previous?.fill(0);
  }
  return out;
}

function joinOutput(head: Buffer, tail: Buffer): Uint8Array {
  if (tail.length === 0) return view(head);
  if (head.length === 0) return view(tail);
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
