/**
 * Argument checks shared by every CryptoProvider, so all of them fail the same way
 * (InvalidArgument for misuse, InvalidKey for a small-order peer key). Internal: not re-exported.
 */
import { expectBytes } from './bytes.js';
import { ProtocolError } from './errors.js';

/** RFC 5869 §2.3: L <= 255 * HashLen. */
export const HKDF_SHA256_MAX_LENGTH = 255 * 32;

export function checkHkdfLength(length: number): void {
  if (!Number.isSafeInteger(length) || length < 0 || length > HKDF_SHA256_MAX_LENGTH) {
    throw new ProtocolError('InvalidArgument', `HKDF output length out of range: ${length}`);
  }
}

export function checkAesArgs(key: Uint8Array, iv: Uint8Array): void {
  expectBytes(key, 32, 'aes key');
  expectBytes(iv, 16, 'aes iv');
}

export function checkX25519Args(privateKey: Uint8Array, publicKey: Uint8Array): void {
  expectBytes(privateKey, 32, 'x25519 private key');
  expectBytes(publicKey, 32, 'x25519 public key');
}

/** The error every provider throws for a small-order peer key (RFC 7748 §6.1 all-zero check). */
export function smallOrderKeyError(cause?: unknown): ProtocolError {
  return new ProtocolError('InvalidKey', 'invalid key agreement (small-order public key)', { cause });
}
