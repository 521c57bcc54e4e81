// Graceful shutdown (docs/relay.md, Quick start): on SIGTERM the relay stops accepting, commits the
// writes already in flight, answers their senders, closes the database and exits 0. A relay child
// process gets SIGTERM in the middle of a stream of submits; afterwards every envelope its sender saw
// accepted must be in the database file.
import { after, describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { RelayClient } from '@sotto/wire';
import type { WebSocketCtor } from '@sotto/wire';
import { SQLITE_FILE_NAME } from '../src/store/sqlite/open-sqlite-store.js';
import { registerDevice } from './fixtures/accounts.js';
import { spawnTs } from './fixtures/child-process.js';
import { DeliveryLedger } from './fixtures/delivery-ledger.js';
import { numberedContent } from './fixtures/numbered-envelopes.js';

const ENVELOPES = 4_000;
const TERM_AFTER_ACCEPTED = 1_000;

const cleanups: (() => void | Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

void describe('relay shutdown on SIGTERM (child process)', () => {
  void it('exits 0 with every envelope it accepted committed to the database', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sotto-drain-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = { port: 0, dataDir, logLevel: 'error', perDeviceQueueCap: ENVELOPES * 2 };
    const relay = await spawnTs(new URL('./fixtures/relay-child.ts', import.meta.url).pathname, [
      JSON.stringify({ ...config, submitsPerConnectionPerSecond: 1_000_000 }),
    ]);
    cleanups.push(() => void relay.proc.kill('SIGKILL'));
    const sender = await registerDevice(relay.url);
    const recipient = await registerDevice(relay.url);
    const ids = Array.from({ length: ENVELOPES }, () => new Uint8Array(randomBytes(16)));
    const ledger = new DeliveryLedger(ENVELOPES);
    const outbox = new RelayClient({
      url: relay.url,
      WebSocket: WebSocket as unknown as WebSocketCtor,
      credentials: { accountId: sender.accountId, deviceId: sender.deviceId, secret: sender.secret },
    }).connect({}, { reconnect: false, submitTimeoutMs: 10_000 });
    cleanups.push(() => outbox.close());
    await outbox.ready;

    // Keeps 48 submits in flight (below the relay's 64 pending per connection) until the socket goes.
    let acceptedAtTerm = -1;
    let next = 0;
    const submitNext = (): void => {
      if (next >= ENVELOPES || !outbox.isOpen) return;
      const i = next++;
      outbox
        .submit(recipient.accountId, [
          {
            deviceId: recipient.deviceId,
            registrationId: recipient.registrationId,
            envelopeId: ids[i]!,
            envelopeType: 1,
            content: numberedContent(i, ids[i]!, 100),
          },
        ])
        .then(
          (r) => {
            if (r.error === null && r.results[0]?.status === 'Accepted') ledger.markAccepted(i);
            if (acceptedAtTerm < 0 && ledger.accepted.size >= TERM_AFTER_ACCEPTED) {
              acceptedAtTerm = ledger.accepted.size;
              relay.proc.kill('SIGTERM');
            }
            submitNext();
          },
          () => {}, // the socket closed before the answer: not accepted, nothing to check
        );
    };
    outbox.waitOpen().catch(() => {}); // the connection-level ShuttingDown must not go unhandled
    for (let k = 0; k < 48; k++) submitNext();
    const exit = await relay.exited;
    assert.equal(exit.code, 0, `exit 0 after draining; stderr: ${relay.stderr()}`);
    const accepted = [...ledger.accepted];
    assert.ok(acceptedAtTerm > 0 && accepted.length < ENVELOPES, 'SIGTERM came mid-stream');

    const db = new Database(join(dataDir, SQLITE_FILE_NAME), { readonly: true });
    const stored = new Set(
      (db.prepare('SELECT envelope_id FROM mailbox').pluck().all() as Buffer[]).map((b) => b.toString('hex')),
    );
    db.close();
    t.diagnostic(
      `accepted at SIGTERM ${acceptedAtTerm}, accepted in all ${accepted.length}, stored ${stored.size}`,
    );
    const lost = accepted.filter((i) => !stored.has(Buffer.from(ids[i]!).toString('hex')));
    assert.deepEqual(lost, [], 'every accepted envelope is in the database');
  });
});
