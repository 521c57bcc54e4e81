// Runs the relay storage conformance suite (@sotto/testkit), unchanged, against the PostgreSQL adapter
// on a throwaway server started by the test itself; plus PostgreSQL-specific checks: concurrent start-up
// migrations, exactly-once claims under real concurrency, and enqueues racing from several pools.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
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
    let n = 0;
    const item = (acc: string) => {
      const envelopeId = new Uint8Array(16);
      new DataView(envelopeId.buffer).setUint32(0, ++n);
      return {
        accountId: acc,
        deviceId: 1,
        envelopeId,
        senderAccountId: a,
        senderDeviceId: 1,
        serverTimestamp: 1,
        envelopeType: 1,
        content: new Uint8Array([n & 0xff]),
        expiresAt: 10,
      };
    };
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
});
