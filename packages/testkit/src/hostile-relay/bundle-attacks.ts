// Attacks on prekey bundles (a MITM at session start): substituted identity key or prekeys, and
// broken signatures. Bundles travel as JSON with base64 fields (see @sotto/wire http-schemas).
import { fromBase64, toBase64 } from '@sotto/wire';
import type { BundleRule } from './hostile-relay.js';

/** Serves `identityKey` (33 bytes, the relay's own) instead of the account's real one. */
export function substituteIdentityKey(identityKey: Uint8Array): BundleRule {
  return (b) => {
    b.identityKey = toBase64(identityKey);
  };
}

/**
 * Serves `publicKey` (the relay's own) as every device's signed prekey, keeping the real signature:
 * the signature no longer verifies under the real identity key.
 */
export function substituteSignedPreKey(publicKey: Uint8Array): BundleRule {
  return (b) => {
    for (const d of b.devices) d.signedPreKey.publicKey = toBase64(publicKey);
  };
}

/**
 * Serves `publicKey` as every device's one-time prekey. One-time prekeys are not signed (X3DH), so
 * the sender cannot notice; the recipient, who holds the real private key, cannot complete the session.
 */
export function substituteOneTimePreKey(publicKey: Uint8Array): BundleRule {
  return (b) => {
    for (const d of b.devices) if (d.preKey) d.preKey.publicKey = toBase64(publicKey);
  };
}

function flipSignatureBit(signature: string): string {
  const sig = fromBase64(signature);
  if (!sig || sig.length < 6) return signature.split('').reverse().join('');
  sig[5]! ^= 0x01;
  return toBase64(sig);
}

/** Flips a bit in every device's signed-prekey signature. */
export function breakSignedPreKeySignature(): BundleRule {
  return (b) => {
    for (const d of b.devices) {
      d.signedPreKey.signature = flipSignatureBit(d.signedPreKey.signature);
    }
  };
}

/** Flips a bit in every device's Kyber prekey signature. */
export function breakKyberPreKeySignature(): BundleRule {
  return (b) => {
    for (const d of b.devices) {
      d.kyberPreKey.signature = flipSignatureBit(d.kyberPreKey.signature);
    }
  };
}
