// The PostgreSQL rate-limit adapter against the shared conformance suite, on a throwaway server
// started by the test: each test gets a fresh schema, and its "peer" is a second store (a second node's
// pool) on the same schema.
import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { startPostgres } from '@sotto/testkit/servers';
import type { PostgresServer } from '@sotto/testkit/servers';
import { openPostgresStore } from '../src/store/index.js';
import { runRateLimitConformance } from './helpers/rate-limit-conformance.js';

let server: PostgresServer | undefined;
let db: Promise<string> | undefined;
after(async () => {
  await server?.dispose();
});
let schemas = 0;

runRateLimitConformance('postgresql', async () => {
  const url = await (db ??= startPostgres().then((s) => (server = s).createDatabase()));
  const schema = `rl_${++schemas}`;
  const one = await openPostgresStore(url, { poolSize: 4, schema });
  const two = await openPostgresStore(url, { poolSize: 4, schema });
  return {
    store: one.rateLimits,
    peer: two.rateLimits,
    cleanup: async () => {
      await one.close();
      await two.close();
    },
  };
});

void describe('PostgreSQL rate-limit buckets on their own', () => {
  void it('are deleted by the periodic sweep once refilled, with no further hits', async () => {
    const url = await (db ??= startPostgres().then((s) => (server = s).createDatabase()));
    const schema = `rl_${++schemas}`;
    const store = await openPostgresStore(url, { poolSize: 2, schema, rateLimitSweepMs: 50 });
    try {
      const count = async () =>
        Number(
          (
            await server!.psql(
              `SELECT count(*) FROM ${schema}.rate_limit_bucket`,
              new URL(url).pathname.slice(1),
            )
          ).trim(),
        );
      let now = Date.now();
      // 600 per minute: one hit leaves the bucket short of one token for 100 ms.
      const l = store.rateLimits.limiter('claims-target', 600, () => now);
      assert.equal(await l.take('a'), true);
      assert.equal(await count(), 1);
      now += 150; // the bucket is full again; only the timer can remove its row now
      for (let i = 0; (await count()) > 0; i++) {
        if (i > 100) assert.fail('the refilled bucket was never swept');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await store.close();
    }
  });
});
