// ACK frames are cheap to send (one rate-limit token each) but may list 1024 seqs, and every seq that
// reaches the store is a DELETE in the acks' group commit, which on SQLite runs on the event loop: a
// burst of made-up seqs held every other client up for over a second. So an ACK applies only to
// what its connection pushed and still waits for; what an honest client sends (acks in any order,
// cumulative acks, acks for envelopes delivered again after a reconnect) keeps working.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DeliverFrame } from '@sotto/wire';
import type { AckItem } from '../src/store/ports.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import type { SqliteRelayStores } from '../src/store/sqlite/open-sqlite-store.js';
import { envelopeId, registerUser, startTestRelay, waitFor } from './helpers/harness.js';
import type { TestRelay, TestUser } from './helpers/harness.js';

void describe('ACK frames', () => {
  let t: TestRelay;
  let store: SqliteRelayStores;
  /** Every ack item the relay handed the store, by account. */
  const acked = new Map<string, AckItem[]>();
  const ackedBy = (u: TestUser) => acked.get(u.accountId) ?? [];
  before(async () => {
    store = await openSqliteStore(':memory:');
    const realAckMany = store.mailbox.ackMany.bind(store.mailbox);
    store.mailbox.ackMany = (items) => {
      for (const it of items) acked.set(it.accountId, [...(acked.get(it.accountId) ?? []), it]);
      return realAckMany(items);
    };
    // A window of two: what is pushed, and what is not yet, are easy to tell apart.
    t = await startTestRelay({}, { store, inFlightWindow: 2 });
  });
  /** Connections to close even when an assertion fails (a live client would keep reconnecting). */
  const conns: { close(): void }[] = [];
  const track = <C extends { close(): void }>(c: C): C => (conns.push(c), c);
  after(async () => {
    for (const c of conns) c.close();
    await t.close();
  });

  async function queue(to: TestUser, n: number): Promise<void> {
    const from = await registerUser(t);
    for (let i = 0; i < n; i++) {
      const r = await from.client.submit(to.accountId, [
        {
          deviceId: 1,
          registrationId: to.registrationId,
          envelopeId: envelopeId(),
          envelopeType: 1,
          content: Uint8Array.of(i),
        },
      ]);
      assert.equal(r.results[0]!.status, 'Accepted');
    }
  }
  const queued = (u: TestUser) => store.mailbox.queuedCount(u.accountId, u.deviceId);
  /** Applies every ack received so far (what the sweeper does before it runs). */
  const flushAcks = () => t.relay.sweepNow();

  void it('hands the store none of the listed seqs it never pushed, and no upTo beyond what it pushed', async () => {
    const mallory = await registerUser(t);
    await queue(mallory, 1);
    const got: DeliverFrame[] = [];
    const conn = track(mallory.client.connect({ onDeliver: (d) => void got.push(d) }));
    await waitFor(() => got.length === 1, 5000, 'the one delivery');
    const madeUp = (i: number) => Array.from({ length: 1024 }, (_, j) => 1_000_000 + i * 1024 + j);
    for (let i = 0; i < 50; i++) conn.ack(0, madeUp(i));
    conn.ack(Number.MAX_SAFE_INTEGER, madeUp(50));
    for (let i = 51; i < 100; i++) conn.ack(Number.MAX_SAFE_INTEGER, madeUp(i));
    await new Promise((r) => setTimeout(r, 100));
    await flushAcks();
    conn.close();
    // 100 frames, 102,400 made-up seqs: one ack reaches the store, for the one envelope delivered.
    assert.deepEqual(
      ackedBy(mallory).map((a) => a.request),
      [{ upToSeq: got[0]!.seq, seqs: [] }],
    );
    assert.equal(await queued(mallory), 0);
  });

  void it('applies acks in any order, and a cumulative ack only up to what was pushed', async () => {
    const bob = await registerUser(t);
    await queue(bob, 5);
    const got: DeliverFrame[] = [];
    const conn = track(bob.client.connect({ onDeliver: (d) => void got.push(d) }));
    await waitFor(() => got.length === 2, 5000, 'the first window');
    const [s1, s2] = [got[0]!.seq, got[1]!.seq];
    conn.ack(0, [s2]); // out of order: the second first
    await waitFor(() => got.length === 3, 5000, 'the window reopened by one');
    conn.ack(0, [s1, s2, s1]); // s2 again, s1 twice: s1 once
    await waitFor(() => got.length === 4, 5000, 'the window reopened by one more');
    // Acks everything up to the last of the five, of which only four were pushed.
    conn.ack(got[3]!.seq + 1);
    await waitFor(() => got.length === 5, 5000, 'the fifth, pushed after the ack');
    await new Promise((r) => setTimeout(r, 50));
    await flushAcks();
    assert.equal(await queued(bob), 1, 'the fifth was pushed after that ack: it stays until acked');
    conn.close();
    const again: DeliverFrame[] = [];
    const c2 = track(bob.client.connect({ onDeliver: (d) => void again.push(d) }));
    await waitFor(() => again.length === 1, 5000, 'the fifth, delivered again');
    assert.equal(again[0]!.seq, got[4]!.seq);
    c2.ack(again[0]!.seq);
    await new Promise((r) => setTimeout(r, 50));
    await flushAcks();
    assert.equal(await queued(bob), 0);
    c2.close();
  });

  void it('deletes an envelope received before a reconnect once it is delivered (and acked) again', async () => {
    const carol = await registerUser(t);
    await queue(carol, 2);
    const first: DeliverFrame[] = [];
    const c1 = track(carol.client.connect({ onDeliver: (d) => void first.push(d) }));
    await waitFor(() => first.length === 2, 5000, 'both delivered');
    c1.close(); // persisted, but the connection dropped before the acks went out
    const second: DeliverFrame[] = [];
    const c2 = track(
      carol.client.connect({
        onOpen: () => c2.ack(0, [first[1]!.seq, first[0]!.seq]), // before they are pushed again: dropped
        onDeliver: (d) => {
          second.push(d);
          c2.ack(0, [d.seq]); // a duplicate (dedupe by envelopeId), acked all the same
        },
      }),
    );
    await waitFor(() => second.length === 2, 5000, 'both delivered again');
    await new Promise((r) => setTimeout(r, 50));
    await flushAcks();
    assert.equal(await queued(carol), 0);
    c2.close();
  });
});
