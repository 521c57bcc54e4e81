/**
 * The two X25519 uses the session layer needs, on raw serialised keys so the per-message path
 * makes no wrapper objects: a fresh ratchet key pair, and an agreement that (like libsignal's
 * `calculate_agreement`, via curve.ts) refuses the all-zero secret of a small-order public key.
 */
import type { CryptoProvider } from './crypto-provider.js';
import { calculateAgreement } from './curve.js';
import { DJB_KEY_TYPE } from './signal-message.js';

export interface RawKeyPair {
  /** 33 bytes, 0x05-prefixed. */
  publicKey: Uint8Array;
  /** 32-byte clamped scalar. */
  privateKey: Uint8Array;
}

export function generateRawKeyPair(crypto: CryptoProvider): RawKeyPair {
  const priv = crypto.randomBytes(32);
  priv[0]! &= 248;
  priv[31]! &= 127;
  priv[31]! |= 64;
  const pub = new Uint8Array(33);
  pub[0] = DJB_KEY_TYPE;
  pub.set(crypto.x25519PublicKey(priv), 1);
  return { publicKey: pub, privateKey: priv };
}

/** X25519(priv, pub) where `pub` is a 33-byte serialised key (curve.ts `calculateAgreement`). */
export function agree(crypto: CryptoProvider, privateKey: Uint8Array, publicKey33: Uint8Array): Uint8Array {
  return calculateAgreement(privateKey, publicKey33, crypto);
}
