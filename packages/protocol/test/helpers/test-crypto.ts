/**
 * A CryptoProvider for the session-layer tests, built directly on @noble/*.
 * TEMPORARY: replaced by the package's own noble/node providers once they land.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { cbc } from '@noble/ciphers/aes.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { randomBytes } from 'node:crypto';
import type { CryptoProvider } from '../../src/crypto-provider.js';
import { ProtocolError } from '../../src/errors.js';

export const testCrypto: CryptoProvider = {
  name: 'test-noble',
  randomBytes: (n) => new Uint8Array(randomBytes(n)),
  sha256: (d) => sha256(d),
  sha512: (d) => sha512(d),
  hmacSha256: (k, d) => hmac(sha256, k, d),
  hkdfSha256: (ikm, salt, info, length) => hkdf(sha256, ikm, salt, info, length),
  aes256CbcEncrypt: (k, iv, p) => cbc(k, iv).encrypt(p),
  aes256CbcDecrypt: (k, iv, c) => {
    try {
      return cbc(k, iv).decrypt(c);
    } catch {
      throw new ProtocolError('InvalidMessage', 'bad padding');
    }
  },
  x25519: (priv, pub) => x25519.getSharedSecret(priv, pub),
  x25519PublicKey: (priv) => x25519.getPublicKey(priv),
};
