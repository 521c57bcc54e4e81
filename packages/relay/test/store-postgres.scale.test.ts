// Runs the relay storage conformance suite (@sotto/testkit), unchanged, against the PostgreSQL adapter
// on a throwaway server started by the test itself; plus PostgreSQL-specific checks: concurrent start-up
// migrations, exactly-once claims under real concurrency, and enqueues racing from several pools.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pgLib from 'pg';
import { runRelayStoreConformance } from '@sotto/testkit/relay-store';
import type { RelayStoreHarness } from '@sotto/testkit/relay-store';
import { startPostgres } from '@sotto/testkit/servers';
import type { PostgresServer } from '@sotto/testkit/servers';
import { loadPostgresMigrations, openPostgresStore } from '../src/store/index.js';
import type { RelayStores } from '../src/store/index.js';

let server: PostgresServer | undefined;
let starting: Promise<PostgresServer> | undefined;
const pg = (): Promise<PostgresServer> => (starting ??= startPostgres().then((s) => (server = s)));
after(async () => {
  await server?.dispose();
});

// One database for the conformance run, a fresh schema per test (CREATE DATABASE costs ~0.6 s here).
let sharedDb: Promise<string> | undefined;
let schemas = 0;

async function pgHarness(): Promise<RelayStoreHarness> {
  const url = await (sharedDb ??= pg().then((s) => s.createDatabase()));
  const schema = `conf_${++schemas}`;
  const opened: RelayStores[] = [];
  const open = async () => {
    const s = await openPostgresStore(url, { poolSize: 4, schema });
    opened.push(s);
    return s;
  };
  const stores = await open();
  return {
    stores,
    openPeer: open,
    reopen: async () => {
      await stores.close();
      return open();
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
    },
  };
}

runRelayStoreConformance('postgresql', pgHarness, { peers: true, reopen: true });

/** A small envelope for device 1 of `accountId`. */
const envelopeItem = (accountId: string, envelopeId: Uint8Array) => ({
  accountId,
  deviceId: 1,
  envelopeId,
  senderAccountId: accountId,
  senderDeviceId: 1,
  serverTimestamp: 1,
  envelopeType: 1,
  content: envelopeId.slice(0, 4),
  expiresAt: 10,
});

/**
 * Deadlocks PostgreSQL has detected in the database (`pg_stat_database`). A backend reports its
 * statistics as it exits: close the pools first. A deadlock fails no operation (the adapter retries
 * it), it only stalls one for deadlock_timeout, so this counter is how a test sees it.
 */
async function deadlocksIn(url: string): Promise<number> {
  const client = new pgLib.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ deadlocks: string }>(
      'SELECT deadlocks::text FROM pg_stat_database WHERE datname = current_database()',
    );
    return Number(rows[0]?.deadlocks);
  } finally {
    await client.end();
  }
}

/** Distinct envelope ids from a counter, one counter per call. */
function envelopeIds(): () => Uint8Array {
  let n = 0;
  return () => {
    const id = new Uint8Array(16);
    new DataView(id.buffer).setUint32(0, ++n);
    return id;
  };
}

const ik = () => {
  const k = new Uint8Array(33).fill(7);
  k[0] = 5;
  return k;
};

void describe('PostgreSQL adapter specifics', () => {
  let url: string;
  before(async () => {
    url = await (await pg()).createDatabase();
  });

  void it('applies migrations once when several nodes start at the same time', async () => {
    const fresh = await (await pg()).createDatabase();
    const nodes = await Promise.all(
      Array.from({ length: 6 }, () => openPostgresStore(fresh, { poolSize: 2 })),
    );
    for (const n of nodes) assert.equal(n.schemaVersion, loadPostgresMigrations().length);
    const versions = await (
      await pg()
    ).psql('SELECT version FROM schema_version ORDER BY version', new URL(fresh).pathname.slice(1));
    assert.deepEqual(
      versions.trim().split('\n').map(Number),
      loadPostgresMigrations().map((m) => m.version),
    );
    await Promise.all(nodes.map((n) => n.close()));
  });

  void it('reports unhealthy while the database only takes reads (read-only, or a standby in recovery)', async () => {
    const fresh = await (await pg()).createDatabase();
    const dbName = new URL(fresh).pathname.slice(1);
    const store = await openPostgresStore(fresh, { poolSize: 1 });
    // New sessions default to read-only (what a hot standby gives every session); the pool's one
    // connection is ended so that the next query opens such a session.
    const reconnectWith = async (readOnly: 'on' | 'off') => {
      await (
        await pg()
      ).psql(
        `ALTER DATABASE "${dbName}" SET default_transaction_read_only = ${readOnly}; ` +
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${dbName}';`,
        'postgres',
      );
      await store.healthCheck(); // may see the ended connection; the pool opens a new one
    };
    try {
      assert.equal(await store.healthCheck(), true);
      await reconnectWith('on');
      assert.equal(await store.healthCheck(), false, 'a read-only session cannot store an envelope');
      await reconnectWith('off');
      assert.equal(await store.healthCheck(), true);
    } finally {
      await store.close();
    }
  });

  void it('refuses a database whose schema is newer than this code', async () => {
    const fresh = await (await pg()).createDatabase();
    await (await openPostgresStore(fresh)).close();
    await (
      await pg()
    ).psql("INSERT INTO schema_version VALUES (999, 'future', 0)", new URL(fresh).pathname.slice(1));
    await assert.rejects(openPostgresStore(fresh), { code: 'Migration' });
  });

  void it('hands out each one-time key exactly once to many concurrent claims from several pools', async () => {
    const nodes = await Promise.all([0, 1, 2].map(() => openPostgresStore(url, { poolSize: 6 })));
    const s = nodes[0]!;
    const id = randomUUID();
    await s.accounts.createAccount(id, ik(), { registrationId: 1, secretHash: 'h' }, 1);
    const EC = 150;
    const KYBER = 100;
    const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    assert.equal(
      await s.keys.putKeys(
        id,
        1,
        {
          signedPreKey: { keyId: 1, publicKey: ik(), signature: new Uint8Array(64) },
          kyberLastResort: { keyId: 999, publicKey: new Uint8Array(1569), signature: new Uint8Array(64) },
          preKeys: ids(EC).map((keyId) => ({ keyId, publicKey: ik() })),
          kyberPreKeys: ids(KYBER).map((keyId) => ({
            keyId,
            publicKey: new Uint8Array(1569),
            signature: new Uint8Array(64),
          })),
        },
        { maxOneTimeKeys: 1000 },
      ),
      'ok',
    );
    const CLAIMS = 240;
    const bundles = await Promise.all(
      Array.from({ length: CLAIMS }, (_, i) => nodes[i % nodes.length]!.keys.claimBundle(id, 1)),
    );
    const ec = bundles.flatMap((b) => (b?.preKey ? [b.preKey.keyId] : [])).sort((a, b) => a - b);
    const kyber = bundles
      .flatMap((b) => (b && !b.kyberPreKey.lastResort ? [b.kyberPreKey.keyId] : []))
      .sort((a, b) => a - b);
    // SKIP LOCKED: no claim wrongly finds "none left" while keys remain, and none is handed out twice.
    assert.deepEqual(ec, ids(EC));
    assert.deepEqual(kyber, ids(KYBER));
    assert.equal(bundles.filter((b) => b?.kyberPreKey.lastResort).length, CLAIMS - KYBER);
    await Promise.all(nodes.map((n) => n.close()));
  });

  void it('gives gap-free per-device seqs in commit order when several pools enqueue at once', async () => {
    const nodes = await Promise.all([0, 1, 2].map(() => openPostgresStore(url, { poolSize: 4 })));
    const s = nodes[0]!;
    const a = randomUUID();
    const b = randomUUID();
    for (const acc of [a, b])
      await s.accounts.createAccount(acc, ik(), { registrationId: 1, secretHash: 'h' }, 1);
    const nextId = envelopeIds();
    const item = (acc: string) => envelopeItem(acc, nextId());
    // Batches touching both devices in both orders: lock ordering must avoid deadlocks.
    const batches = Array.from({ length: 60 }, (_, i) =>
      i % 2 ? [item(a), item(b), item(a)] : [item(b), item(a), item(b)],
    );
    const results = await Promise.all(
      batches.map((batch, i) => nodes[i % 3]!.mailbox.enqueueMany(batch, { queueCap: 10_000 })),
    );
    assert.ok(results.flat().every((r) => r.outcome === 'stored'));
    for (const acc of [a, b]) {
      const got = await s.mailbox.fetch(acc, 1, 0, 1000);
      assert.deepEqual(
        got.map((e) => e.seq),
        Array.from({ length: 90 }, (_, i) => i + 1),
      );
    }
    // A retry of an already queued id from another node is absorbed.
    const again = await nodes[2]!.mailbox.enqueueMany(
      [{ ...batches[0]![1]!, content: new Uint8Array([9]) }],
      {
        queueCap: 10_000,
      },
    );
    assert.equal(again[0]?.outcome, 'duplicate');
    await Promise.all(nodes.map((x) => x.close()));
  });

  void it('deletes accounts and devices while enqueues to them run, without deadlocks', async () => {
    const db = await (await pg()).createDatabase();
    const nodes = await Promise.all([0, 1, 2].map(() => openPostgresStore(db, { poolSize: 4 })));
    const s = nodes[0]!;
    const nextId = envelopeIds();
    const item = (acc: string, deviceId: number) => ({ ...envelopeItem(acc, nextId()), deviceId });
    for (let round = 0; round < 12; round++) {
      const acc = randomUUID();
      await s.accounts.createAccount(acc, ik(), { registrationId: 1, secretHash: 'h' }, 1);
      for (const d of [2, 3]) await s.accounts.addDevice(acc, { registrationId: d, secretHash: 'h' }, 127, 1);
      const enqueues = Array.from({ length: 12 }, (_, k) =>
        nodes[k % 3]!.mailbox.enqueueMany(
          [3, 2, 1].map((d) => item(acc, d)),
          { queueCap: 1e6 },
        ),
      );
      const removal = round % 2 ? s.accounts.removeDevice(acc, 2) : s.accounts.deleteAccount(acc);
      assert.equal(await removal, true);
      await Promise.all(enqueues);
    }
    await Promise.all(nodes.map((x) => x.close()));
    assert.equal(await deadlocksIn(db), 0);
  });

  void it('never deadlocks when sweeps, acks and enqueues from several pools hit the same devices', async () => {
    // A deadlock would not fail an operation (PostgreSQL aborts one side after deadlock_timeout and
    // the adapter retries it), only stall it for a second; the server's own counter shows it. With
    // the sweeper locking expired rows before the queue counters, this counted 4–12 deadlocks.
    const db = await (await pg()).createDatabase();
    const nodes = await Promise.all([0, 1, 2].map(() => openPostgresStore(db, { poolSize: 4 })));
    const s = nodes[0]!;
    const accounts = Array.from({ length: 20 }, () => randomUUID());
    for (const acc of accounts)
      await s.accounts.createAccount(acc, ik(), { registrationId: 1, secretHash: 'h' }, 1);
    const nextId = envelopeIds();
    let expired = false;
    const item = (acc: string) => {
      // Every other envelope has expired: the sweeper and the acks go after the same rows.
      expired = !expired;
      return { ...envelopeItem(acc, nextId()), expiresAt: expired ? 10 : 1e12 };
    };
    const shuffled = () => [...accounts].sort(() => Math.random() - 0.5);
    for (let round = 0; round < 30; round++) {
      await Promise.all(
        nodes.map((node) =>
          node.mailbox.enqueueMany(
            shuffled().flatMap((acc) => [item(acc), item(acc)]),
            { queueCap: 1e6 },
          ),
        ),
      );
      const work: Promise<unknown>[] = [];
      for (let k = 0; k < 6; k++) {
        const node = nodes[k % 3]!;
        work.push(node.mailbox.sweepExpired(100, 5));
        work.push(
          node.mailbox.ackMany(
            shuffled().map((acc) => ({
              accountId: acc,
              deviceId: 1,
              request: { upToSeq: 2 * round + 1 + (k % 2) },
            })),
          ),
        );
        work.push(
          node.mailbox.enqueueMany(
            shuffled().map((acc) => item(acc)),
            { queueCap: 1e6 },
          ),
        );
      }
      await Promise.all(work);
    }
    await Promise.all(nodes.map((x) => x.close()));
    assert.equal(await deadlocksIn(db), 0);
  });
});
