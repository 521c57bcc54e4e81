// The relay's promise "deletes what it delivered", checked on its files: a relay with its SQLite store
// on disk delivers envelopes over WebSocket, the recipient acknowledges them, and after the sweeper's
// next run none of their bytes is in the data directory, while an unacknowledged one still is.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeliverFrame } from '@sotto/wire';
import { openSqliteStore } from '../src/store/index.js';
import { envelopeId, registerUser, startTestRelay, waitFor } from './helpers/harness.js';
import type { TestRelay } from './helpers/harness.js';
import { occurrencesInDir } from './helpers/files.js';

void describe('relay: delivered envelopes leave the data directory', () => {
  let t: TestRelay;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sotto-erasure-'));
    t = await startTestRelay({}, { store: await openSqliteStore(dir) });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('acknowledged envelopes are gone from every file after a sweep; the unacknowledged one stays', async () => {
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    const markers = Array.from({ length: 60 }, () => new Uint8Array(randomBytes(20)));
    const content = (m: Uint8Array) => {
      const c = new Uint8Array(400).fill(0x2e);
      c.set(m, 200);
      return c;
    };
    const aliceConn = alice.client.connect();
    await aliceConn.ready;
    for (const m of markers) {
      const r = await aliceConn.submit(bob.accountId, [
        {
          deviceId: bob.deviceId,
          registrationId: bob.registrationId,
          envelopeId: envelopeId(),
          envelopeType: 1,
          content: content(m),
        },
      ]);
      assert.equal(r.results[0]!.status, 'Accepted');
    }
    aliceConn.close();
    const count = () => markers.reduce((a, m) => a + (occurrencesInDir(dir, m) > 0 ? 1 : 0), 0);
    assert.equal(count(), markers.length, 'stored envelopes are on disk (the scan finds them)');

    // Bob receives all and acknowledges all but the last.
    const got: DeliverFrame[] = [];
    const conn = bob.client.connect({ onDeliver: (d) => void got.push(d) });
    await waitFor(() => got.length === markers.length, 10_000, 'delivery');
    conn.ack(got.at(-2)!.seq);
    conn.close();
    // A new connection is sent only what is still queued, once the acks before it are applied.
    const again: DeliverFrame[] = [];
    let empty = false;
    const c2 = bob.client.connect({
      onDeliver: (d) => void again.push(d),
      onQueueEmpty: () => (empty = true),
    });
    await waitFor(() => empty, 10_000, 'the second drain');
    assert.equal(again.length, 1);
    c2.close();

    await t.relay.sweepNow();
    assert.equal(count(), 1, 'only the unacknowledged envelope is left on disk');
    assert.ok(occurrencesInDir(dir, markers.at(-1)!) > 0);
  });
});
