// The live push path: an envelope committed while its device is caught up is pushed from memory (no
// read-back), and everything else (behind, window full, reconnect) goes through the store. Both must
// give the device every envelope once per connection, in seq order, byte for byte.
import { after, afterEach, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DeliverFrame, SubmitEnvelope } from '@sotto/wire';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import type { SqliteRelayStores } from '../src/store/sqlite/open-sqlite-store.js';
import { envelopeId, registerUser, startTestRelay, waitFor } from './helpers/harness.js';
import type { TestRelay, TestUser } from './helpers/harness.js';

function env(to: TestUser, text: string): SubmitEnvelope {
  return {
    deviceId: to.deviceId,
    registrationId: to.registrationId,
    envelopeId: envelopeId(),
    envelopeType: 1,
    content: new TextEncoder().encode(text),
  };
}
const text = (d: DeliverFrame) => new TextDecoder().decode(d.content);

async function queuedBecomes(store: SqliteRelayStores, u: TestUser, n: number): Promise<void> {
  const end = Date.now() + 5000;
  while ((await store.mailbox.queuedCount(u.accountId, u.deviceId)) !== n) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${n} queued`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

void describe('relay live push', () => {
  let t: TestRelay;
  let store: SqliteRelayStores;
  /** Mailbox reads per account. */
  const fetches = new Map<string, number>();
  const reads = (u: TestUser) => fetches.get(u.accountId) ?? 0;
  before(async () => {
    store = await openSqliteStore(':memory:');
    // Count store reads of mailboxes: the caught-up path must not need them.
    const realFetch = store.mailbox.fetch.bind(store.mailbox);
    store.mailbox.fetch = (...args) => {
      fetches.set(args[0], (fetches.get(args[0]) ?? 0) + 1);
      return realFetch(...args);
    };
    t = await startTestRelay({}, { store });
  });
  // Connections reconnect by themselves: close every one, even after a failed assertion.
  const opened: { close(): void }[] = [];
  const track = <C extends { close(): void }>(c: C): C => {
    opened.push(c);
    return c;
  };
  afterEach(() => {
    for (const c of opened.splice(0)) c.close();
  });
  after(async () => {
    await t.close();
  });

  void it('pushes envelopes committed while the device is caught up without reading them back', async () => {
    const bob = await registerUser(t);
    const senders = await Promise.all([registerUser(t), registerUser(t), registerUser(t)]);
    const got: DeliverFrame[] = [];
    let emptied = 0;
    const bobConn = track(
      bob.client.connect({
        onDeliver: (d) => {
          got.push(d);
          bobConn.ack(d.seq);
        },
        onQueueEmpty: () => emptied++,
      }),
    );
    await bobConn.ready;
    await waitFor(() => emptied === 1, 5000, 'QUEUE_EMPTY');
    const before = reads(bob);
    const conns = senders.map((s) => track(s.client.connect()));
    await Promise.all(conns.map((c) => c.ready));
    // Three senders submitting concurrently: many envelopes per group commit for one device.
    await Promise.all(
      conns.map(async (c, k) => {
        for (let i = 0; i < 40; i++) {
          const r = await c.submit(bob.accountId, [env(bob, `s${k}-${i}`)]);
          assert.equal(r.results[0]!.status, 'Accepted');
        }
      }),
    );
    await waitFor(() => got.length === 120, 5000, 'all 120 pushed');
    assert.equal(reads(bob) - before, 0, 'no mailbox read for a caught-up device');
    // Seqs contiguous and increasing; each sender's messages in its own order; nothing twice.
    for (let i = 1; i < got.length; i++) assert.equal(got[i]!.seq, got[i - 1]!.seq + 1);
    for (let k = 0; k < 3; k++) {
      assert.deepEqual(
        got.map(text).filter((s) => s.startsWith(`s${k}-`)),
        Array.from({ length: 40 }, (_, i) => `s${k}-${i}`),
      );
    }
    await queuedBecomes(store, bob, 0);
    for (const c of conns) c.close();
    bobConn.close();
  });

  void it('falls back to the store when the window is full, and keeps seq order', async () => {
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    const got: DeliverFrame[] = [];
    let emptied = 0;
    const bobConn = track(
      bob.client.connect({ onDeliver: (d) => void got.push(d), onQueueEmpty: () => emptied++ }),
    );
    await bobConn.ready;
    await waitFor(() => emptied === 1, 5000, 'QUEUE_EMPTY');
    const a = track(alice.client.connect());
    await a.ready;
    for (let i = 0; i < 130; i++) await a.submit(bob.accountId, [env(bob, `w${i}`)]);
    await waitFor(() => got.length === 100, 5000, 'first window, pushed live');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(got.length, 100, 'no more than 100 unacked');
    const before = reads(bob);
    bobConn.ack(got[99]!.seq);
    await waitFor(() => got.length === 130, 5000, 'the rest, read from the store');
    assert.ok(reads(bob) > before, 'the envelopes beyond the window came from the store');
    assert.deepEqual(
      got.map(text),
      Array.from({ length: 130 }, (_, i) => `w${i}`),
    );
    // Caught up again: the next one is live.
    bobConn.ack(got[129]!.seq);
    await new Promise((r) => setTimeout(r, 50));
    const again = reads(bob);
    await a.submit(bob.accountId, [env(bob, 'after')]);
    await waitFor(() => got.length === 131, 5000, 'live again');
    assert.equal(text(got[130]!), 'after');
    assert.equal(reads(bob), again, 'caught up again: pushed without a read');
    a.close();
    bobConn.close();
  });

  void it('redelivers live-pushed but unacked envelopes from the store on reconnect', async () => {
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    const first: DeliverFrame[] = [];
    let emptied = 0;
    const c1 = track(
      bob.client.connect({ onDeliver: (d) => void first.push(d), onQueueEmpty: () => emptied++ }),
    );
    await waitFor(() => emptied === 1, 5000, 'QUEUE_EMPTY');
    for (let i = 0; i < 5; i++) await alice.client.submit(bob.accountId, [env(bob, `r${i}`)]);
    await waitFor(() => first.length === 5, 5000, 'pushed live');
    c1.ack(first[1]!.seq); // acks r0, r1 only
    await queuedBecomes(store, bob, 3);
    c1.close();
    const second: DeliverFrame[] = [];
    const c2 = track(bob.client.connect({ onDeliver: (d) => void second.push(d) }));
    await waitFor(() => second.length === 3, 5000, 'unacked ones again');
    assert.deepEqual(second.map(text), ['r2', 'r3', 'r4']);
    assert.deepEqual(
      second.map((d) => d.content),
      first.slice(2).map((d) => d.content),
    );
    c2.close();
  });
});
