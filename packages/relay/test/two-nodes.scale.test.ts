// Two relay nodes (child processes) on two loopback ports sharing one PostgreSQL and one bus — Redis
// pub/sub and PostgreSQL LISTEN/NOTIFY in turn. A client on node 1 and a client on node 2 exchange
// messages both ways; node 2 is SIGKILLed mid-stream and its client reconnects to node 1 and drains:
// every envelope its sender saw accepted arrives exactly once after dedupe. Concurrent bundle claims
// spread over both nodes hand out each one-time prekey once.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { RelayClient, RelayError } from '@sotto/wire';
import type { RelayConnection, WebSocketCtor } from '@sotto/wire';
import { startPostgres, startRedis } from '@sotto/testkit/servers';
import type { PostgresServer, RedisServer } from '@sotto/testkit/servers';
import { registerDevice } from './fixtures/accounts.js';
import type { TestDevice } from './fixtures/accounts.js';
import { spawnTs } from './fixtures/child-process.js';
import type { SpawnedChild } from './fixtures/child-process.js';
import { DeliveryLedger } from './fixtures/delivery-ledger.js';
import { pumpUntilAllAccepted, readNumbered } from './fixtures/numbered-envelopes.js';
import { addDevice, makeKeys, registerUser, waitFor } from './helpers/harness.js';
import type { TestRelay } from './helpers/harness.js';

const PER_DIRECTION = 1_200;
const WINDOW = 32;

let pg: PostgresServer | undefined;
let redis: RedisServer | undefined;
const children: SpawnedChild[] = [];
before(async () => {
  [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
});
after(async () => {
  for (const c of children) c.proc.kill('SIGKILL');
  await Promise.all([pg?.dispose(), redis?.dispose()]);
});

function startNode(databaseUrl: string, busUrl: string): Promise<SpawnedChild> {
  const config = {
    port: 0,
    databaseUrl,
    busUrl,
    logLevel: 'error',
    submitsPerConnectionPerSecond: 1_000_000,
    bundleClaimsPerRequesterPerMinute: 1_000_000,
    bundleClaimsPerTargetPerMinute: 1_000_000,
  };
  return spawnTs(new URL('./fixtures/relay-child.ts', import.meta.url).pathname, [
    JSON.stringify(config),
    '--cheap-hash',
  ]).then((c) => {
    children.push(c);
    return c;
  });
}

function connect(urls: () => string, device: TestDevice, handlers: Parameters<RelayClient['connect']>[0]) {
  // The client follows `urls()`: after node 2 dies its reconnects go to node 1 (a load balancer's job).
  let current = urls();
  const client = new RelayClient({
    url: current,
    WebSocket: function (this: unknown, _u: string, ...rest: unknown[]) {
      current = urls();
      const wsUrl = current.replace(/^http/, 'ws') + '/v1/ws';
      return new (WebSocket as unknown as new (...a: unknown[]) => unknown)(wsUrl, ...rest);
    } as unknown as WebSocketCtor,
    credentials: { accountId: device.accountId, deviceId: device.deviceId, secret: device.secret },
  });
  return client.connect(handlers, { minDelayMs: 50, maxDelayMs: 300, submitTimeoutMs: 10_000 });
}

/** A receiving side: validates, records ("persists") and acks cumulatively once per turn. */
function inbox(
  urls: () => string,
  me: TestDevice,
  from: TestDevice,
  ids: readonly Uint8Array[],
  ledger: DeliveryLedger,
) {
  let ackUpTo = 0;
  let pending = false;
  const conn: RelayConnection = connect(urls, me, {
    onOpen: () => {
      ackUpTo = 0;
    },
    onDeliver: (d) => {
      const { index, valid } = readNumbered(d, ids, from.accountId);
      ledger.markDelivered(index, valid);
      ackUpTo = Math.max(ackUpTo, d.seq);
      if (pending) return;
      pending = true;
      setImmediate(() => {
        pending = false;
        conn.ack(ackUpTo);
      });
    },
  });
  return conn;
}

const ids = (n: number) => Array.from({ length: n }, () => new Uint8Array(randomBytes(16)));

for (const busKind of ['redis', 'postgres'] as const) {
  void describe(`two relay nodes on one PostgreSQL, ${busKind} bus`, () => {
    let node1: SpawnedChild;
    let node2: SpawnedChild;
    let db: string;
    let bus: string;
    before(async () => {
      db = await pg!.createDatabase();
      bus = busKind === 'redis' ? redis!.url : db;
      node1 = await startNode(db, bus);
      node2 = await startNode(db, bus);
    });
    after(() => {
      node1?.proc.kill('SIGKILL');
      node2?.proc.kill('SIGKILL');
    });

    void it('exchanges messages both ways between clients on different nodes; node 2 SIGKILLed mid-stream, its client drains from node 1 exactly once', async (t) => {
      const alice = await registerDevice(node1.url);
      const bob = await registerDevice(node2.url);
      let node2Alive = true;
      const url1 = () => node1.url;
      const url2 = () => (node2Alive ? node2.url : node1.url);
      const toBob = ids(PER_DIRECTION);
      const toAlice = ids(PER_DIRECTION);
      const bobLedger = new DeliveryLedger(PER_DIRECTION);
      const aliceLedger = new DeliveryLedger(PER_DIRECTION);
      // One connection per device sends and receives (a second one would replace the first).
      const aliceIn = inbox(url1, alice, bob, toAlice, aliceLedger);
      const bobIn = inbox(url2, bob, alice, toBob, bobLedger);
      const aliceOut = aliceIn;
      const bobOut = bobIn;
      try {
        await Promise.all([aliceIn.ready, bobIn.ready]);
        let killedAt = -1;
        const maybeKill = () => {
          if (killedAt >= 0 || bobLedger.accepted.size < PER_DIRECTION / 3) return;
          killedAt = bobLedger.accepted.size;
          node2Alive = false;
          node2.proc.kill('SIGKILL');
        };
        await Promise.all([
          pumpUntilAllAccepted(aliceOut, bob, toBob, bobLedger, {
            window: WINDOW,
            padding: 64,
            onAccepted: maybeKill,
          }),
          pumpUntilAllAccepted(bobOut, alice, toAlice, aliceLedger, { window: WINDOW, padding: 64 }),
        ]);
        assert.ok(killedAt > 0 && killedAt < PER_DIRECTION, 'node 2 was killed mid-stream');
        assert.equal((await node2.exited).signal, 'SIGKILL');
        await waitFor(
          () =>
            bobLedger.distinctDelivered >= PER_DIRECTION && aliceLedger.distinctDelivered >= PER_DIRECTION,
          30_000,
          'both inboxes to drain',
        );
        await new Promise((r) => setTimeout(r, 300));
        for (const [who, ledger] of [
          ['bob (node 2, killed)', bobLedger],
          ['alice (node 1)', aliceLedger],
        ] as const) {
          const v = ledger.verdict();
          t.diagnostic(
            `${who}: deliveries ${v.totalDeliveries}, duplicates removed ${v.duplicates}, lost ${v.lost.length}`,
          );
          assert.deepEqual(v.lost, [], `${who}: no accepted envelope lost`);
          assert.equal(v.unexpected, 0, `${who}: nothing unexpected`);
          assert.equal(v.distinctDelivered, PER_DIRECTION, `${who}: exactly once after dedupe`);
        }
      } finally {
        for (const c of [aliceIn, bobIn]) c.close();
      }
    });

    void it('hands out each one-time prekey once when claims are spread over both nodes', async () => {
      // Node 2 was killed by the previous test: bring it back on the same database and bus.
      if (node2.proc.exitCode !== null || node2.proc.signalCode !== null) node2 = await startNode(db, bus);
      const anon1 = { anon: new RelayClient({ url: node1.url }) } as unknown as TestRelay;
      const target = await registerUser(anon1);
      const POOL = 40;
      await target.client.uploadKeys(makeKeys(target, POOL));
      const requesters = await Promise.all(
        [node1.url, node2.url].map((url) =>
          registerUser({ anon: new RelayClient({ url }) } as unknown as TestRelay),
        ),
      );
      const CLAIMS = 60;
      const bundles = await Promise.all(
        Array.from({ length: CLAIMS }, (_, i) => requesters[i % 2]!.client.getBundles(target.accountId, 1)),
      );
      const ec = bundles.flatMap((b) => (b.devices[0]?.preKey ? [b.devices[0].preKey.keyId] : []));
      const kyber = bundles.flatMap((b) =>
        b.devices[0] && !b.devices[0].kyberPreKey.lastResort ? [b.devices[0].kyberPreKey.keyId] : [],
      );
      const all = Array.from({ length: POOL }, (_, i) => i + 1);
      assert.deepEqual(
        [...ec].sort((a, b) => a - b),
        all,
        'each EC one-time prekey exactly once',
      );
      assert.deepEqual(
        [...kyber].sort((a, b) => a - b),
        all,
        'each Kyber one-time prekey exactly once',
      );
      assert.equal(bundles.filter((b) => b.devices[0]?.kyberPreKey.lastResort).length, CLAIMS - POOL);
    });

    void it('cuts off at once, on the other node, a device removed and every device of an account deleted', async () => {
      if (node2.proc.exitCode !== null || node2.proc.signalCode !== null) node2 = await startNode(db, bus);
      const owner = await registerUser({ anon: new RelayClient({ url: node1.url }) } as unknown as TestRelay);
      const { secret } = await addDevice(owner.client, owner, 9);
      /** A socket on node 2; resolves with the relay's reason once the relay closes it. */
      const onNode2 = (deviceId: number, deviceSecret: Uint8Array) => {
        let settle!: (code: string) => void;
        const reason = new Promise<string>((r) => (settle = r));
        const conn = new RelayClient({
          url: node2.url,
          WebSocket: WebSocket as unknown as WebSocketCtor,
          credentials: { accountId: owner.accountId, deviceId, secret: deviceSecret },
        }).connect(
          {
            onClose: (c) => {
              if (c.error) settle(c.error.code);
            },
          },
          { minDelayMs: 50, maxDelayMs: 300 },
        );
        return { conn, reason };
      };
      const second = onNode2(2, secret);
      await second.conn.ready;
      await owner.client.removeDevice(2); // through node 1
      assert.equal(await withTimeout(second.reason, 5_000, 'device 2 cut off on node 2'), 'Unauthorized');
      second.conn.close();
      // Node 2 verified device 2's secret when it connected and cached it; the removal went through
      // node 1, yet node 2 must not let the removed device in again, over HTTP or a new socket.
      const removed = new RelayClient({
        url: node2.url,
        credentials: { accountId: owner.accountId, deviceId: 2, secret },
      });
      await assert.rejects(removed.whoami(), (e: unknown) => RelayError.is(e) && e.code === 'Unauthorized');
      const again = onNode2(2, secret);
      await assert.rejects(again.conn.ready);
      again.conn.close();

      const first = onNode2(1, owner.secret);
      await first.conn.ready;
      await owner.client.deleteAccount(); // through node 1
      assert.equal(await withTimeout(first.reason, 5_000, 'device 1 cut off on node 2'), 'Unauthorized');
      first.conn.close();
    });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms).unref()),
  ]);
}
