/**
 * The portable CryptoProvider: pure JavaScript on @noble/*,
 * so the protocol runs unchanged in browsers. Node swaps in `nodeCrypto` from `@sotto/protocol/node`
 * for speed; both pass the same conformance suite (test/crypto-provider.test.ts).
 */
import { cbc } from '@noble/ciphers/aes.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import type { CryptoProvider } from './crypto-provider.js';
import { expectBytes } from './bytes.js';
import { ProtocolError } from './errors.js';
import { checkAesArgs, checkHkdfLength, checkX25519Args, smallOrderKeyError } from './provider-checks.js';

export const nobleCrypto: CryptoProvider = Object.freeze({
  name: 'noble',
  randomBytes(length: number): Uint8Array {
    return randomBytes(length);
  },
  sha256(data: Uint8Array): Uint8Array {
    return sha256(data);
  },
  sha512(data: Uint8Array): Uint8Array {
    return sha512(data);
  },
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
    return hmac(sha256, key, data);
  },
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array {
    checkHkdfLength(length);
    if (length === 0) return new Uint8Array(0);
    return hkdf(sha256, ikm, salt, info, length);
  },
  aes256CbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
    checkAesArgs(key, iv);
    return cbc(key, iv).encrypt(plaintext);
  },
  aes256CbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    checkAesArgs(key, iv);
    if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) {
      throw new ProtocolError('InvalidMessage', 'AES-CBC ciphertext is not whole blocks');
    }
    try {
      return cbc(key, iv).decrypt(ciphertext);
    } catch (cause) {
      throw new ProtocolError('InvalidMessage', 'AES-CBC decryption failed (bad padding)', { cause });
    }
  },
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    checkX25519Args(privateKey, publicKey);
    try {
      // noble refuses the small-order inputs before running the ladder (no timing oracle).
      return x25519.getSharedSecret(privateKey, publicKey);
    } catch (cause) {
      throw smallOrderKeyError(cause);
    }
  },
  x25519PublicKey(privateKey: Uint8Array): Uint8Array {
    expectBytes(privateKey, 32, 'x25519 private key');
    return x25519.getPublicKey(privateKey);
  },
});
