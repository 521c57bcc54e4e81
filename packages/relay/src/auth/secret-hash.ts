// Device secrets are stored only as a salted scrypt hash (RFC 7914). scrypt runs on libuv's thread
// pool (async) so a burst of logins does not block the event loop.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface SecretHasher {
  hash(secret: Uint8Array): Promise<string>;
  verify(secret: Uint8Array, stored: string): Promise<boolean>;
}

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** OWASP's floor for scrypt is N=2^17 for passwords; device secrets are 256-bit random, so a lighter cost suffices. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 14, r: 8, p: 1 };

function run(secret: Uint8Array, salt: Uint8Array, p: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** Format: `scrypt$N$r$p$<salt b64>$<hash b64>`. */
export function createScryptHasher(params: ScryptParams = DEFAULT_SCRYPT): SecretHasher {
  return {
    async hash(secret) {
      const salt = randomBytes(16);
      const key = await run(secret, salt, params);
      return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
    },
    async verify(secret, stored) {
      const parts = stored.split('$');
      if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
      const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
      if (![N, r, p].every((x) => Number.isInteger(x) && x > 0)) return false;
      const salt = Buffer.from(parts[4]!, 'base64');
      const expected = Buffer.from(parts[5]!, 'base64');
      const key = await run(secret, salt, { N, r, p });
      return key.length === expected.length && timingSafeEqual(key, expected);
    },
  };
}
