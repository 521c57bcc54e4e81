// Registration is unauthenticated and costs a slow hash (scrypt) of the new device secret on libuv's
// small thread pool, which logins share. A flood of registrations must be bounded like a flood of
// logins: beyond the cap new ones get RateLimited instead of queueing without limit.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { RelayError } from '@sotto/wire';
import { MAX_PENDING_NEW_HASHES } from '../src/auth/device-authenticator.js';
import { createScryptHasher } from '../src/auth/secret-hash.js';
import type { SecretHasher } from '../src/auth/secret-hash.js';
import { registerUser, startTestRelay, waitFor } from './helpers/harness.js';

void describe('registration floods', () => {
  void it('refuses registrations beyond the slow-hash cap with 429 RateLimited; the admitted ones complete', async () => {
    const real = createScryptHasher({ N: 1024, r: 8, p: 1 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let hashing = 0;
    // Holds every new-secret hash until released, so the flood is in flight all at once.
    const hasher: SecretHasher = {
      hash: async (s) => {
        hashing++;
        await gate;
        return real.hash(s);
      },
      verify: (s, h) => real.verify(s, h),
    };
    const t = await startTestRelay({}, { secretHasher: hasher });
    try {
      const extra = 6;
      const refused: string[] = [];
      const flood = Array.from({ length: MAX_PENDING_NEW_HASHES + extra }, () =>
        registerUser(t).then(
          () => 'ok',
          (err: unknown) => {
            const code = err instanceof RelayError ? err.code : String(err);
            refused.push(code);
            return code;
          },
        ),
      );
      await waitFor(() => hashing + refused.length >= MAX_PENDING_NEW_HASHES + extra, 20_000, 'the flood');
      assert.equal(hashing, MAX_PENDING_NEW_HASHES);
      assert.deepEqual(
        refused,
        Array.from({ length: extra }, () => 'RateLimited'),
      );
      release();
      const outcomes = await Promise.all(flood);
      assert.equal(outcomes.filter((o) => o === 'ok').length, MAX_PENDING_NEW_HASHES);
      // The cap is on work in progress, not a ban: a registration after the flood goes through.
      await registerUser(t);
    } finally {
      release();
      await t.close();
    }
  });
});
