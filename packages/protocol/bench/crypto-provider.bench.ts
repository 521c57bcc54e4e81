/**
 * Per-primitive timings of the noble and node:crypto providers (µs/op, lower is better):
 * `npx tsx packages/protocol/bench/crypto-provider.bench.ts`. Not a test; numbers vary by machine.
 */
import type { CryptoProvider } from '../src/crypto-provider.js';
import { utf8 } from '../src/bytes.js';
import { nobleCrypto } from '../src/noble-provider.js';
import { nodeCrypto } from '../src/node/node-crypto-provider.js';

function time(n: number, f: () => unknown): number {
  for (let i = 0; i < Math.min(n, 100); i++) f();
  const start = performance.now();
  for (let i = 0; i < n; i++) f();
  return ((performance.now() - start) * 1000) / n;
}

function measure(p: CryptoProvider, slowX25519: boolean): Record<string, number> {
  const key = p.randomBytes(32);
  const iv = p.randomBytes(16);
  const msg = p.randomBytes(100);
  const info = utf8('WhisperMessageKeys');
  const ct = p.aes256CbcEncrypt(key, iv, msg);
  const peer = p.x25519PublicKey(p.randomBytes(32));
  const dhRuns = slowX25519 ? 200 : 2000;
  return {
    'hmac-sha256 (100 B)': time(20000, () => p.hmacSha256(key, msg)),
    'hkdf-sha256 (80 B out)': time(20000, () => p.hkdfSha256(key, key, info, 80)),
    'aes-256-cbc encrypt (100 B)': time(20000, () => p.aes256CbcEncrypt(key, iv, msg)),
    'aes-256-cbc decrypt (100 B)': time(20000, () => p.aes256CbcDecrypt(key, iv, ct)),
    'sha-512 (100 B)': time(20000, () => p.sha512(msg)),
    'x25519 agreement': time(dhRuns, () => p.x25519(key, peer)),
    'x25519 public key': time(dhRuns, () => p.x25519PublicKey(key)),
  };
}

const noble = measure(nobleCrypto, true);
const node = measure(nodeCrypto, false);
const rows = Object.keys(noble).map((op) => ({
  op,
  'noble µs': noble[op]!.toFixed(2),
  'node µs': node[op]!.toFixed(2),
  speed_up: (noble[op]! / node[op]!).toFixed(1) + 'x',
}));
console.table(rows);
