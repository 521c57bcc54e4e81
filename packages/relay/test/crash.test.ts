// Crash test (issue 3): a relay in a child process receives a stream of 10,000 envelopes, is killed
// with SIGKILL mid-stream and restarted on the same data directory. The sender retries everything it
// did not see accepted, with the same envelope ids; the recipient acks after "persisting" (here: the
// ledger). Every envelope the sender saw accepted must reach the recipient, exactly once after
// dedupe by envelope id. Redeliveries (at-least-once) are counted and reported, not hidden.
import { after, describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { RelayClient, bytesEqual } from '@sotto/wire';
import type { RelayConnection, WebSocketCtor } from '@sotto/wire';
import { registerDevice } from './fixtures/accounts.js';
import type { TestDevice } from './fixtures/accounts.js';
import { spawnTs } from './fixtures/child-process.js';
import type { SpawnedChild } from './fixtures/child-process.js';
import { DeliveryLedger } from './fixtures/delivery-ledger.js';
import { pumpUntilAllAccepted, readNumbered } from './fixtures/numbered-envelopes.js';
import { waitFor } from './helpers/harness.js';

const ENVELOPES = 10_000;
const WINDOW = 48; // below the relay's 64 pending submits per connection
const KILL_AFTER_ACCEPTED = 3_000;
const PADDING = 200;

const cleanups: (() => void | Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function startRelayChild(dataDir: string, port: number): Promise<SpawnedChild> {
  const config = {
    port,
    dataDir,
    logLevel: 'error',
    perDeviceQueueCap: ENVELOPES * 2,
    submitsPerConnectionPerSecond: 1_000_000,
  };
  return spawnTs(new URL('./fixtures/relay-child.ts', import.meta.url).pathname, [JSON.stringify(config)]);
}

/** content = index (u32) || envelope id || padding: the recipient can check what it got. */
function connect(
  url: string,
  device: TestDevice,
  handlers: Parameters<RelayClient['connect']>[0],
): RelayConnection {
  const client = new RelayClient({
    url,
    WebSocket: WebSocket as unknown as WebSocketCtor,
    credentials: { accountId: device.accountId, deviceId: device.deviceId, secret: device.secret },
  });
  return client.connect(handlers, { minDelayMs: 50, maxDelayMs: 400, submitTimeoutMs: 10_000 });
}

void describe('relay crash safety (child process, SIGKILL)', () => {
  void it('delivers every accepted envelope exactly once after dedupe when killed mid-stream', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sotto-crash-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    let relay = await startRelayChild(dataDir, 0);
    cleanups.push(() => void relay.proc.kill('SIGKILL'));
    const port = Number(relay.ready['port']);
    const url = relay.url;

    const sender = await registerDevice(url);
    const recipient = await registerDevice(url);
    const ids = Array.from({ length: ENVELOPES }, () => new Uint8Array(randomBytes(16)));
    const ledger = new DeliveryLedger(ENVELOPES);

    // The recipient: checks each delivery, records it ("persists"), then acks — in order.
    let orderViolations = 0;
    let lastSeq = 0;
    const inbox = connect(url, recipient, {
      onOpen: () => {
        lastSeq = 0; // seqs are increasing within one connection; a reconnect starts a new run
        ackUpTo = 0;
      },
      onDeliver: (d) => {
        if (d.seq <= lastSeq) orderViolations += 1;
        lastSeq = d.seq;
        const { index, valid } = readNumbered(d, ids, sender.accountId);
        ledger.markDelivered(index, valid);
        ackLater(d.seq);
      },
    });
    // Cumulative acks, at most one per event-loop turn (as a client that persists in batches would).
    let ackUpTo = 0;
    let ackPending = false;
    const ackLater = (seq: number) => {
      ackUpTo = Math.max(ackUpTo, seq);
      if (ackPending) return;
      ackPending = true;
      setImmediate(() => {
        ackPending = false;
        inbox.ack(ackUpTo);
      });
    };
    cleanups.push(() => inbox.close());
    const outbox = connect(url, sender, {});
    cleanups.push(() => outbox.close());
    await Promise.all([inbox.ready, outbox.ready]);

    // SIGKILL once enough envelopes are accepted, then restart on the same port and data directory.
    let acceptedAtKill = -1;
    let restarted: Promise<void> | undefined;
    const onAccepted = () => {
      if (acceptedAtKill >= 0 || ledger.accepted.size < KILL_AFTER_ACCEPTED) return;
      acceptedAtKill = ledger.accepted.size;
      relay.proc.kill('SIGKILL');
      restarted = (async () => {
        const exit = await relay.exited;
        assert.equal(exit.signal, 'SIGKILL');
        relay = await startRelayChild(dataDir, port);
      })();
    };
    await pumpUntilAllAccepted(outbox, recipient, ids, ledger, {
      window: WINDOW,
      padding: PADDING,
      onAccepted,
    });
    await restarted;
    assert.ok(acceptedAtKill > 0 && acceptedAtKill < ENVELOPES, 'the relay was killed mid-stream');

    await waitFor(() => ledger.distinctDelivered >= ENVELOPES, 30_000, 'the recipient to drain');
    // Let the last acks land, so late redeliveries (if any) are counted too.
    await new Promise((r) => setTimeout(r, 300));
    const v = ledger.verdict();
    t.diagnostic(
      `accepted before SIGKILL: ${acceptedAtKill}; deliveries: ${v.totalDeliveries}; ` +
        `duplicates before dedupe: ${v.duplicates}; lost: ${v.lost.length}; unexpected: ${v.unexpected}`,
    );
    assert.deepEqual(v.lost, [], 'no accepted envelope is lost');
    assert.equal(v.unexpected, 0, 'nothing delivered that was not sent, or with the wrong content');
    assert.equal(v.distinctDelivered, ENVELOPES, 'exactly once after dedupe by envelope id');
    assert.equal(v.totalDeliveries, v.distinctDelivered + v.duplicates, 'every delivery is accounted for');
    assert.equal(orderViolations, 0, 'seqs increase within each connection');

    inbox.close();
    outbox.close();
    relay.proc.kill('SIGTERM');
    const exit = await relay.exited;
    assert.equal(exit.code, 0, `graceful shutdown after the test; stderr: ${relay.stderr()}`);
  });

  void it('can see loss: envelopes deleted behind the relay are reported lost (negative control)', async (t) => {
    const count = 400;
    const removed = 7;
    const dataDir = mkdtempSync(join(tmpdir(), 'sotto-crash-neg-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    let relay = await startRelayChild(dataDir, 0);
    cleanups.push(() => void relay.proc.kill('SIGKILL'));
    const sender = await registerDevice(relay.url);
    const recipient = await registerDevice(relay.url);
    const ids = Array.from({ length: count }, () => new Uint8Array(randomBytes(16)));
    const ledger = new DeliveryLedger(count);
    const outbox = connect(relay.url, sender, {});
    await outbox.ready;
    await pumpUntilAllAccepted(outbox, recipient, ids, ledger, { window: WINDOW, padding: PADDING });
    outbox.close();
    relay.proc.kill('SIGKILL');
    await relay.exited;

    // Simulate a relay that loses accepted envelopes: delete stored rows while it is down.
    const deleted = deleteStoredEnvelopes(dataDir, removed).map((id) =>
      ids.findIndex((x) => bytesEqual(x, id)),
    );
    assert.equal(deleted.length, removed, 'found the stored envelopes to delete');

    relay = await startRelayChild(dataDir, 0);
    let drained = false;
    const inbox = connect(relay.url, recipient, {
      onDeliver: (d) => {
        const index = new DataView(d.content.buffer, d.content.byteOffset).getUint32(0);
        ledger.markDelivered(index, bytesEqual(d.envelopeId, ids[index] ?? new Uint8Array(0)));
        inbox.ack(d.seq);
      },
      onQueueEmpty: () => {
        drained = true;
      },
    });
    cleanups.push(() => inbox.close());
    await waitFor(() => drained, 20_000, 'the queue to drain');
    const v = ledger.verdict();
    t.diagnostic(`negative control: ${v.lost.length} lost of ${count} (deleted ${removed} rows)`);
    assert.deepEqual(
      v.lost,
      [...deleted].sort((a, b) => a - b),
      'exactly the deleted envelopes are reported lost',
    );
    inbox.close();
  });
});

/**
 * Deletes `n` stored envelopes straight from the relay's SQLite files and returns their envelope
 * ids. Finds the mailbox table by its columns rather than by name, so the control does not depend
 * on the store's internal naming.
 */
function deleteStoredEnvelopes(dataDir: string, n: number): Uint8Array[] {
  const files = readdirSync(dataDir).filter((f) => /\.(sqlite3?|db)$/.test(f));
  for (const file of files) {
    const db = new Database(join(dataDir, file));
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .pluck()
        .all() as string[];
      for (const table of tables) {
        const cols = (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map(
          (c) => c.name,
        );
        const idCol = cols.find((c) => /envelope_?id/i.test(c));
        if (idCol === undefined || !cols.some((c) => /content|body|ciphertext/i.test(c))) continue;
        const rows = db
          .prepare(`SELECT "${idCol}" AS id FROM "${table}" ORDER BY random() LIMIT ?`)
          .all(n) as { id: Uint8Array | string }[];
        const del = db.prepare(`DELETE FROM "${table}" WHERE "${idCol}" = ?`);
        db.transaction(() => rows.forEach((row) => del.run(row.id)))();
        return rows.map((row) =>
          typeof row.id === 'string'
            ? new Uint8Array(Buffer.from(row.id, /^[0-9a-f]{32}$/i.test(row.id) ? 'hex' : 'base64'))
            : new Uint8Array(row.id),
        );
      }
    } finally {
      db.close();
    }
  }
  return [];
}
