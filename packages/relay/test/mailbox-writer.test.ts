// The group-commit writer: many concurrent submits become few enqueueMany calls, one in flight at a
// time, and no caller is resolved before the commit holding its item has settled.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { MailboxWriter, openSqliteStore } from '../src/store/index.js';
import type { EnqueueItem, EnqueueResult, MailboxStore } from '../src/store/index.js';

function item(n: number, deviceId = 1, accountId = '00000000-0000-4000-8000-00000000000a'): EnqueueItem {
  const envelopeId = new Uint8Array(16);
  new DataView(envelopeId.buffer).setUint32(0, n);
  return {
    accountId,
    deviceId,
    envelopeId,
    senderAccountId: '00000000-0000-4000-8000-00000000000b',
    senderDeviceId: 1,
    serverTimestamp: 1,
    envelopeType: 1,
    content: new Uint8Array([n & 0xff]),
    expiresAt: 2,
  };
}

/** A MailboxStore whose commits complete only when the test releases them. */
class GatedMailbox {
  calls: EnqueueItem[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  failNext = false;
  private gates: (() => void)[] = [];

  readonly store = {
    enqueueMany: (items: readonly EnqueueItem[]): Promise<EnqueueResult[]> => {
      this.calls.push([...items]);
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      const fail = this.failNext;
      this.failNext = false;
      return new Promise<EnqueueResult[]>((resolve, reject) => {
        const gate = () => {
          this.inFlight--;
          if (fail) reject(new Error('disk on fire'));
          else resolve(items.map((_, i) => ({ outcome: 'stored', seq: i + 1 })));
        };
        if (this.open) setImmediate(gate);
        else this.gates.push(gate);
      });
    },
  } as unknown as MailboxStore;

  private open = false;

  /** Releases every commit started so far and lets all later ones complete at once. */
  releaseAll(): Promise<void> {
    this.open = true;
    for (const g of this.gates.splice(0)) g();
    return new Promise((r) => setImmediate(r));
  }
}

const tick = () => new Promise((r) => setImmediate(r));

void describe('MailboxWriter', () => {
  void it('commits items submitted in the same tick as one transaction, resolving callers only after it', async () => {
    const m = new GatedMailbox();
    const w = new MailboxWriter(m.store, { queueCap: 100 });
    let resolved = 0;
    const all = Array.from({ length: 300 }, (_, i) => w.submit(item(i)).then((r) => (resolved++, r)));
    await tick();
    await tick();
    assert.equal(m.calls.length, 1);
    assert.equal(m.calls[0]!.length, 300);
    assert.equal(resolved, 0, 'nobody is acknowledged before the commit');
    await m.releaseAll();
    const results = await Promise.all(all);
    assert.equal(resolved, 300);
    assert.deepEqual(
      results.map((r) => r.seq),
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
    assert.deepEqual(w.stats, { batches: 1, items: 300 });
  });

  void it('keeps one commit in flight; items arriving meanwhile form the next batch, in order', async () => {
    const m = new GatedMailbox();
    const w = new MailboxWriter(m.store, { queueCap: 100 });
    const first = w.submit(item(1));
    await tick();
    const later = Array.from({ length: 50 }, (_, i) => w.submit(item(100 + i)));
    await tick();
    assert.equal(m.calls.length, 1, 'the second batch waits for the first commit');
    await m.releaseAll();
    await Promise.all([first, ...later]);
    assert.equal(m.maxInFlight, 1);
    assert.equal(m.calls.length, 2);
    assert.deepEqual(
      m.calls[1]!.map((x) => new DataView(x.envelopeId.buffer).getUint32(0)),
      Array.from({ length: 50 }, (_, i) => 100 + i),
    );
  });

  void it('splits at maxBatch but never splits one submitAll', async () => {
    const m = new GatedMailbox();
    const w = new MailboxWriter(m.store, { queueCap: 100, maxBatch: 100 });
    const singles = Array.from({ length: 250 }, (_, i) => w.submit(item(i)));
    const group = w.submitAll(Array.from({ length: 150 }, (_, i) => item(1000 + i)));
    await tick();
    await m.releaseAll();
    await Promise.all([...singles, group]);
    assert.ok(m.calls.every((c) => c.length <= 100 || c.length === 150));
    assert.ok(
      m.calls.some(
        (c) => c.length === 150 && c.every((x) => new DataView(x.envelopeId.buffer).getUint32(0) >= 1000),
      ),
    );
    assert.equal(
      m.calls.reduce((n, c) => n + c.length, 0),
      400,
    );
    assert.equal((await group).length, 150);
  });

  void it('rejects every caller of a failed commit and carries on with the next batch', async () => {
    const m = new GatedMailbox();
    const w = new MailboxWriter(m.store, { queueCap: 100 });
    m.failNext = true;
    const doomed = Promise.all(
      [w.submit(item(1)), w.submit(item(2))].map((p) =>
        p.then(
          () => 'resolved',
          (e: Error) => e.message,
        ),
      ),
    );
    await tick();
    const next = w.submit(item(3));
    await m.releaseAll();
    assert.deepEqual(await doomed, ['disk on fire', 'disk on fire']);
    assert.deepEqual(await next, { outcome: 'stored', seq: 1 });
  });

  void it('on close finishes what was submitted and refuses new items', async () => {
    const m = new GatedMailbox();
    const w = new MailboxWriter(m.store, { queueCap: 100 });
    const pending = w.submit(item(1));
    const closing = w.close();
    await assert.rejects(w.submit(item(2)), { code: 'Closed' });
    await tick();
    await m.releaseAll();
    await closing;
    assert.equal((await pending).outcome, 'stored');
  });

  void it('on SQLite: a thousand concurrent submits land in few transactions, in per-device order', async () => {
    const s = await openSqliteStore(':memory:');
    try {
      const account = randomUUID();
      await s.accounts.createAccount(
        account,
        new Uint8Array(33).fill(5),
        { registrationId: 1, secretHash: 'h' },
        1,
      );
      for (let d = 2; d <= 10; d++)
        await s.accounts.addDevice(account, { registrationId: d, secretHash: 'h' }, 127, 1);
      const w = new MailboxWriter(s.mailbox, { queueCap: 10_000, maxBatch: 512 });
      const results = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => w.submit(item(i, 1 + (i % 10), account))),
      );
      assert.ok(results.every((r) => r.outcome === 'stored'));
      assert.ok(w.stats.batches <= 3, `expected a few batches, got ${w.stats.batches}`);
      for (let d = 1; d <= 10; d++) {
        const got = await s.mailbox.fetch(account, d, 0, 1000);
        assert.deepEqual(
          got.map((e) => new DataView(e.envelopeId.buffer, e.envelopeId.byteOffset).getUint32(0)),
          Array.from({ length: 100 }, (_, k) => k * 10 + d - 1),
        );
      }
      await w.close();
    } finally {
      await s.close();
    }
  });
});
