// The PostgreSQL rate-limit adapter against the shared conformance suite, on a throwaway server
// started by the test: each test gets a fresh schema, and its "peer" is a second store (a second node's
// pool) on the same schema.
import { after } from 'node:test';
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
