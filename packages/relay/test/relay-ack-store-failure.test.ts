// An ACK whose group-committed delete fails (a failing disk, a PostgreSQL restart) while the session
// reads the store for the next push: the client is told Unavailable (4503) as with any other store
// failure on the WebSocket (docs/errors.md), and no promise rejection is left unhandled — Node ends
// the process on one (the `sotto` CLI exits on it too), which would take every other client down.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { RelayStores } from '../src/store/ports.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import { envelopeId, registerUser, startTestRelay, waitFor } from './helpers/harness.js';

type Mode = 'fetch fails at once' | 'fetch is slow';

/** The SQLite store with the mailbox's fetch and ackMany failing (or slow) while `broken` is set. */
async function faultyStore(
  mode: Mode,
): Promise<{ store: RelayStores; breakNow: () => void; heal: () => void }> {
  const real = await openSqliteStore(':memory:');
  let broken = false;
  const fault = (code: string) => Object.assign(new Error(`injected ${code}`), { code });
  const m = real.mailbox;
  const mailbox: RelayStores['mailbox'] = {
    enqueueMany: (...a) => m.enqueueMany(...a),
    queuedCount: (...a) => m.queuedCount(...a),
    sweepExpired: (...a) => m.sweepExpired(...a),
    ack: (...a) => m.ack(...a),
    fetch: (...a) => {
      if (!broken) return m.fetch(...a);
      if (mode === 'fetch fails at once') return Promise.reject(fault('SQLITE_IOERR'));
      return new Promise((r) => setTimeout(r, 100)).then(() => m.fetch(...a));
    },
    ackMany: (...a) => (broken ? Promise.reject(fault('SQLITE_IOERR')) : m.ackMany(...a)),
  };
  const store: RelayStores = {
    accounts: real.accounts,
    keys: real.keys,
    attachments: real.attachments,
    mailbox,
    healthCheck: () => real.healthCheck(),
    close: () => real.close(),
  };
  return { store, breakNow: () => (broken = true), heal: () => (broken = false) };
}

void describe('an ACK whose delete fails while the next push reads the store', () => {
  const stray: unknown[] = [];
  const onStray = (err: unknown) => void stray.push(err);
  before(() => process.on('unhandledRejection', onStray));
  after(() => process.off('unhandledRejection', onStray));

  for (const mode of ['fetch fails at once', 'fetch is slow'] as const) {
    void it(`closes with Unavailable and leaves no rejection unhandled (${mode})`, async () => {
      const { store, breakNow, heal } = await faultyStore(mode);
      // A window of one: the ack reopens it and the session must read the store for seq 2.
      const t = await startTestRelay({}, { store, inFlightWindow: 1 });
      try {
        const [alice, bob] = [await registerUser(t), await registerUser(t)];
        for (let i = 0; i < 2; i++) {
          const r = await alice.client.submit(bob.accountId, [
            {
              deviceId: 1,
              registrationId: bob.registrationId,
              envelopeId: envelopeId(),
              envelopeType: 1,
              content: Uint8Array.of(i),
            },
          ]);
          assert.equal(r.results[0]!.status, 'Accepted');
        }
        const closes: { code: number; error: string | undefined }[] = [];
        const conn = bob.client.connect(
          {
            onDeliver: (d) => {
              if (d.seq !== 1) return;
              breakNow(); // the disk (or the database server) fails now
              conn.ack(d.seq);
            },
            onClose: (c) => void closes.push({ code: c.code, error: c.error?.code }),
          },
          { reconnect: false },
        );
        await waitFor(() => closes.length > 0, 5000, 'the close');
        // The ack batch (20 ms) and the slow read (100 ms) have both settled by now.
        await new Promise((r) => setTimeout(r, 300));
        assert.deepEqual(closes, [{ code: 4503, error: 'Unavailable' }]);
        assert.deepEqual(stray, [], 'no unhandled rejection');
        heal();
      } finally {
        await t.close();
      }
    });
  }
});
