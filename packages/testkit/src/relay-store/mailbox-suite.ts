// MailboxStore behaviour every adapter must show: per-device FIFO, idempotent retries, cap, acks
// scoped to the acking device, expiry with an injected clock.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DAY, T0, envelope, envelopeId, newAccountId, rejectionCode, seedAccount } from './fixtures.js';
import type { MakeHarness } from './fixtures.js';
import { useHarness } from './harness-hooks.js';

const CAP = { queueCap: 1000 };

export function mailboxSuite(make: MakeHarness): void {
  void describe('mailboxes', () => {
    const x = useHarness(make);

    void it('stores envelopes and fetches them in order with every field intact', async () => {
      const id = await seedAccount(x.s);
      const items = [3, 1, 2].map((n) => envelope(id, 1, n, { envelopeType: n, serverTimestamp: T0 + n }));
      const res = await x.s.mailbox.enqueueMany(items, CAP);
      assert.deepEqual(res, [
        { outcome: 'stored', seq: 1 },
        { outcome: 'stored', seq: 2 },
        { outcome: 'stored', seq: 3 },
      ]);
      const got = await x.s.mailbox.fetch(id, 1, 0, 10);
      assert.deepEqual(
        got,
        items.map((it, i) => ({
          seq: i + 1,
          envelopeId: it.envelopeId,
          senderAccountId: it.senderAccountId,
          senderDeviceId: it.senderDeviceId,
          serverTimestamp: it.serverTimestamp,
          envelopeType: it.envelopeType,
          content: it.content,
          expiresAt: it.expiresAt,
        })),
      );
      assert.equal(await x.s.mailbox.queuedCount(id, 1), 3);
    });

    void it('fetches after a seq and up to a limit', async () => {
      const id = await seedAccount(x.s);
      await x.s.mailbox.enqueueMany(
        [1, 2, 3, 4, 5].map((n) => envelope(id, 1, n)),
        CAP,
      );
      assert.deepEqual(
        (await x.s.mailbox.fetch(id, 1, 2, 2)).map((e) => e.seq),
        [3, 4],
      );
      assert.deepEqual(await x.s.mailbox.fetch(id, 1, 5, 10), []);
    });

    void it('keeps order across many separate commits and per-device counters independent', async () => {
      const id = await seedAccount(x.s, 2);
      for (let n = 1; n <= 20; n++) {
        await x.s.mailbox.enqueueMany([envelope(id, 1 + (n % 2), n)], CAP);
      }
      const d1 = await x.s.mailbox.fetch(id, 1, 0, 100);
      const d2 = await x.s.mailbox.fetch(id, 2, 0, 100);
      assert.deepEqual(
        d1.map((e) => e.seq),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      assert.deepEqual(
        d2.map((e) => e.envelopeId),
        [1, 3, 5, 7, 9, 11, 13, 15, 17, 19].map(envelopeId),
      );
    });

    void it('absorbs a retried envelope id as a duplicate with the original seq', async () => {
      const id = await seedAccount(x.s);
      await x.s.mailbox.enqueueMany([envelope(id, 1, 1), envelope(id, 1, 2)], CAP);
      const again = await x.s.mailbox.enqueueMany(
        [envelope(id, 1, 2, { content: new Uint8Array([9]) }), envelope(id, 1, 3), envelope(id, 1, 3)],
        CAP,
      );
      assert.deepEqual(again, [
        { outcome: 'duplicate', seq: 2 },
        { outcome: 'stored', seq: 3 },
        { outcome: 'duplicate', seq: 3 },
      ]);
      const got = await x.s.mailbox.fetch(id, 1, 0, 10);
      assert.equal(got.length, 3);
      assert.deepEqual(got[1]?.content, envelope(id, 1, 2).content, 'the first copy is kept');
      assert.equal(await x.s.mailbox.queuedCount(id, 1), 3);
    });

    void it('stores the same envelope id for two different devices', async () => {
      const id = await seedAccount(x.s, 2);
      const res = await x.s.mailbox.enqueueMany([envelope(id, 1, 7), envelope(id, 2, 7)], CAP);
      assert.deepEqual(
        res.map((r) => r.outcome),
        ['stored', 'stored'],
      );
    });

    void it('answers queueFull for the item over the cap only, and makes room after an ack', async () => {
      const id = await seedAccount(x.s, 2);
      const res = await x.s.mailbox.enqueueMany(
        [envelope(id, 1, 1), envelope(id, 1, 2), envelope(id, 1, 3), envelope(id, 2, 4), envelope(id, 1, 1)],
        { queueCap: 2 },
      );
      assert.deepEqual(res, [
        { outcome: 'stored', seq: 1 },
        { outcome: 'stored', seq: 2 },
        { outcome: 'queueFull', seq: null },
        { outcome: 'stored', seq: 1 },
        { outcome: 'duplicate', seq: 1 },
      ]);
      assert.equal(await x.s.mailbox.queuedCount(id, 1), 2);
      assert.equal(await x.s.mailbox.ack(id, 1, { upToSeq: 1 }), 1);
      assert.deepEqual(await x.s.mailbox.enqueueMany([envelope(id, 1, 3)], { queueCap: 2 }), [
        { outcome: 'stored', seq: 3 },
      ]);
    });

    void it('answers deviceNotFound for an unknown device and still stores the rest of the batch', async () => {
      const id = await seedAccount(x.s);
      const res = await x.s.mailbox.enqueueMany(
        [envelope(id, 5, 1), envelope(newAccountId(), 1, 2), envelope(id, 1, 3)],
        CAP,
      );
      assert.deepEqual(
        res.map((r) => r.outcome),
        ['deviceNotFound', 'deviceNotFound', 'stored'],
      );
    });

    void it('rejects a malformed item with InvalidArgument and writes nothing of the batch', async () => {
      const id = await seedAccount(x.s);
      const bad = envelope(id, 1, 2, { envelopeId: new Uint8Array(15) });
      assert.equal(
        await rejectionCode(x.s.mailbox.enqueueMany([envelope(id, 1, 1), bad], CAP)),
        'InvalidArgument',
      );
      assert.equal(await x.s.mailbox.queuedCount(id, 1), 0);
    });

    void it('deletes on ack only what the device acknowledged (up to a seq, and listed seqs)', async () => {
      const id = await seedAccount(x.s);
      await x.s.mailbox.enqueueMany(
        [1, 2, 3, 4, 5, 6].map((n) => envelope(id, 1, n)),
        CAP,
      );
      assert.equal(await x.s.mailbox.ack(id, 1, { upToSeq: 2 }), 2);
      assert.equal(await x.s.mailbox.ack(id, 1, { seqs: [4, 6, 99] }), 2);
      assert.equal(await x.s.mailbox.ack(id, 1, { upToSeq: 2, seqs: [4] }), 0, 'acks are idempotent');
      assert.deepEqual(
        (await x.s.mailbox.fetch(id, 1, 0, 10)).map((e) => e.seq),
        [3, 5],
      );
      assert.equal(await x.s.mailbox.queuedCount(id, 1), 2);
    });

    void it("does nothing when a device acks another device's seqs", async () => {
      const a = await seedAccount(x.s, 2);
      const b = await seedAccount(x.s);
      await x.s.mailbox.enqueueMany([envelope(a, 1, 1), envelope(a, 1, 2)], CAP);
      assert.equal(await x.s.mailbox.ack(a, 2, { upToSeq: 10, seqs: [1, 2] }), 0);
      assert.equal(await x.s.mailbox.ack(b, 1, { upToSeq: 10, seqs: [1, 2] }), 0);
      assert.equal(await x.s.mailbox.ack(newAccountId(), 1, { upToSeq: 10 }), 0);
      assert.equal((await x.s.mailbox.fetch(a, 1, 0, 10)).length, 2);
    });

    void it("applies many devices' acks in one call, each scoped to its own device", async () => {
      const a = await seedAccount(x.s, 2);
      const b = await seedAccount(x.s);
      await x.s.mailbox.enqueueMany(
        [envelope(a, 1, 1), envelope(a, 1, 2), envelope(a, 2, 3), envelope(a, 2, 4), envelope(b, 1, 5)],
        CAP,
      );
      const counts = await x.s.mailbox.ackMany([
        { accountId: a, deviceId: 1, request: { upToSeq: 1 } },
        { accountId: a, deviceId: 2, request: { seqs: [2] } },
        { accountId: b, deviceId: 1, request: { upToSeq: 0, seqs: [7] } },
        { accountId: newAccountId(), deviceId: 1, request: { upToSeq: 9 } },
      ]);
      assert.deepEqual(counts, [1, 1, 0, 0]);
      assert.deepEqual(
        (await x.s.mailbox.fetch(a, 1, 0, 10)).map((e) => e.seq),
        [2],
      );
      assert.deepEqual(
        (await x.s.mailbox.fetch(a, 2, 0, 10)).map((e) => e.seq),
        [1],
      );
      assert.equal(await x.s.mailbox.queuedCount(b, 1), 1);
      assert.equal(
        await rejectionCode(x.s.mailbox.ackMany([{ accountId: a, deviceId: 1, request: { upToSeq: -1 } }])),
        'InvalidArgument',
      );
    });

    void it('counts several acks of one device in one call each on its own, and keeps queued in step', async () => {
      const a = await seedAccount(x.s, 2);
      const b = await seedAccount(x.s);
      await x.s.mailbox.enqueueMany(
        [1, 2, 3, 4, 5].map((n) => envelope(a, 1, n)).concat([envelope(a, 2, 6), envelope(b, 1, 7)]),
        CAP,
      );
      const counts = await x.s.mailbox.ackMany([
        { accountId: a, deviceId: 1, request: { upToSeq: 1 } },
        { accountId: b, deviceId: 1, request: { seqs: [9] } },
        { accountId: a, deviceId: 1, request: { upToSeq: 3 } },
        { accountId: a, deviceId: 2, request: { upToSeq: 1 } },
        { accountId: a, deviceId: 1, request: { upToSeq: 3, seqs: [5, 5] } },
        { accountId: newAccountId(), deviceId: 1, request: { upToSeq: 3 } },
      ]);
      assert.deepEqual(counts, [1, 0, 2, 1, 1, 0]);
      assert.deepEqual(
        (await x.s.mailbox.fetch(a, 1, 0, 10)).map((e) => e.seq),
        [4],
      );
      assert.equal(await x.s.mailbox.queuedCount(a, 1), 1);
      assert.equal(await x.s.mailbox.queuedCount(a, 2), 0);
      assert.equal(await x.s.mailbox.queuedCount(b, 1), 1);
    });

    void it('leaves out expired envelopes when fetch is given the time, in seq order otherwise', async () => {
      const id = await seedAccount(x.s);
      await x.s.mailbox.enqueueMany(
        [
          envelope(id, 1, 1, { expiresAt: 1_000 }),
          envelope(id, 1, 2, { expiresAt: 3_000 }),
          envelope(id, 1, 3, { expiresAt: 2_000 }),
        ],
        CAP,
      );
      const seqs = async (now?: number) => (await x.s.mailbox.fetch(id, 1, 0, 10, now)).map((e) => e.seq);
      assert.deepEqual(await seqs(), [1, 2, 3]);
      assert.deepEqual(await seqs(999), [1, 2, 3]);
      assert.deepEqual(await seqs(1_000), [2, 3], 'expired at its expiresAt');
      assert.deepEqual(await seqs(2_500), [2]);
      assert.deepEqual(await seqs(3_000), []);
      assert.deepEqual(
        (await x.s.mailbox.fetch(id, 1, 0, 1, 1_500)).map((e) => e.seq),
        [2],
        'the limit counts only what is returned',
      );
    });

    void it('never reuses a seq after its envelope was acknowledged', async () => {
      const id = await seedAccount(x.s);
      await x.s.mailbox.enqueueMany([envelope(id, 1, 1), envelope(id, 1, 2)], CAP);
      await x.s.mailbox.ack(id, 1, { upToSeq: 2 });
      const res = await x.s.mailbox.enqueueMany([envelope(id, 1, 3)], CAP);
      assert.deepEqual(res, [{ outcome: 'stored', seq: 3 }]);
    });

    void it('sweeps expired envelopes with an injected clock, oldest first, within the limit', async () => {
      const id = await seedAccount(x.s, 2);
      await x.s.mailbox.enqueueMany(
        [
          envelope(id, 1, 1, { expiresAt: T0 + 1 * DAY }),
          envelope(id, 2, 2, { expiresAt: T0 + 2 * DAY }),
          envelope(id, 1, 3, { expiresAt: T0 + 3 * DAY }),
          envelope(id, 1, 4, { expiresAt: T0 + 30 * DAY }),
        ],
        CAP,
      );
      assert.equal(await x.s.mailbox.sweepExpired(T0, 100), 0);
      assert.equal(await x.s.mailbox.sweepExpired(T0 + 3 * DAY, 2), 2);
      assert.equal(await x.s.mailbox.queuedCount(id, 2), 0);
      assert.deepEqual(
        (await x.s.mailbox.fetch(id, 1, 0, 10)).map((e) => e.seq),
        [2, 3],
      );
      assert.equal(await x.s.mailbox.sweepExpired(T0 + 3 * DAY, 100), 1);
      assert.deepEqual(
        (await x.s.mailbox.fetch(id, 1, 0, 10)).map((e) => e.seq),
        [3],
      );
      assert.equal(await x.s.mailbox.queuedCount(id, 1), 1);
    });

    void it('commits a large batch for many devices at once', async () => {
      const ids = await Promise.all(Array.from({ length: 10 }, () => seedAccount(x.s, 3)));
      const items = ids.flatMap((id, a) =>
        [1, 2, 3].flatMap((d) =>
          Array.from({ length: 30 }, (_, n) => envelope(id, d, a * 1000 + d * 100 + n)),
        ),
      );
      const res = await x.s.mailbox.enqueueMany(items, CAP);
      assert.ok(res.every((r) => r.outcome === 'stored'));
      for (const id of ids) {
        const got = await x.s.mailbox.fetch(id, 2, 0, 100);
        assert.deepEqual(
          got.map((e) => e.seq),
          Array.from({ length: 30 }, (_, i) => i + 1),
        );
      }
    });
  });
}
