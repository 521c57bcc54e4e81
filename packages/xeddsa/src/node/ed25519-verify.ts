/**
 * node:crypto (OpenSSL) Ed25519 verification, ~8x faster than pure-JS point arithmetic. Pass it to
 * `xeddsaVerify(..., { ed25519Verify: nodeEd25519Verify })`. Node-only: `@sotto/xeddsa/node`.
 */
import { createPublicKey, verify } from 'node:crypto';
import type { Ed25519Verify } from '../xeddsa.js';

export const nodeEd25519Verify: Ed25519Verify = (publicKey, message, signature) => {
  try {
    const x = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64url');
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
};
