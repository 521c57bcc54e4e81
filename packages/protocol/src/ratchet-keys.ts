/**
 * Double Ratchet key schedule, as libsignal `rust/protocol/src/ratchet/keys.rs`:
 * - root step: HKDF(salt = root key, IKM = DH output, info "WhisperRatchet", 64) → root || chain;
 * - chain step: message seed = HMAC(ck, 0x01), next chain key = HMAC(ck, 0x02);
 * - message keys: HKDF(salt = SPQR message key or none, IKM = seed, info "WhisperMessageKeys", 80)
 *   → AES-256 key || HMAC key || IV.
 */
import type { CryptoProvider } from './crypto-provider.js';
import { utf8 } from './bytes.js';

const WHISPER_RATCHET = utf8('WhisperRatchet');
const WHISPER_MESSAGE_KEYS = utf8('WhisperMessageKeys');
const MESSAGE_KEY_SEED = Uint8Array.of(0x01);
const CHAIN_KEY_SEED = Uint8Array.of(0x02);

export interface MessageKeys {
  cipherKey: Uint8Array;
  macKey: Uint8Array;
  iv: Uint8Array;
}

/** One DH ratchet half-step: returns [new root key, new chain key]. */
export function rootStep(
  crypto: CryptoProvider,
  rootKey: Uint8Array,
  dhOutput: Uint8Array,
): [rootKey: Uint8Array, chainKey: Uint8Array] {
  const okm = crypto.hkdfSha256(dhOutput, rootKey, WHISPER_RATCHET, 64);
  return [okm.slice(0, 32), okm.slice(32, 64)];
}

/** The message-key seed for the current chain position. */
export function chainMessageSeed(crypto: CryptoProvider, chainKey: Uint8Array): Uint8Array {
  return crypto.hmacSha256(chainKey, MESSAGE_KEY_SEED);
}

/** The chain key for the next position. */
export function chainNextKey(crypto: CryptoProvider, chainKey: Uint8Array): Uint8Array {
  return crypto.hmacSha256(chainKey, CHAIN_KEY_SEED);
}

/** Expands a message seed (optionally salted with the SPQR message key) into message keys. */
export function deriveMessageKeys(
  crypto: CryptoProvider,
  seed: Uint8Array,
  spqrKey: Uint8Array | undefined,
): MessageKeys {
  const okm = crypto.hkdfSha256(seed, spqrKey, WHISPER_MESSAGE_KEYS, 80);
  return { cipherKey: okm.subarray(0, 32), macKey: okm.subarray(32, 64), iv: okm.subarray(64, 80) };
}
