// AckBatcher: acks share one ackMany per batch; with a delay, acks arriving within it share one;
// flush() applies everything at once; a failed batch rejects its callers and the next one still runs.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { AckBatcher } from '../src/mailbox/ack-batcher.js';
import type { AckItem } from '../src/store/index.js';

const item = (deviceId: number, upToSeq: number): AckItem => ({
  accountId: '00000000-0000-4000-8000-000000000001',
  deviceId,
  request: { upToSeq },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder(fail = () => false) {
  const calls: number[][] = [];
  const ackMany = (items: readonly AckItem[]) => {
    calls.push(items.map((i) => i.request.upToSeq ?? 0));
    return fail() ? Promise.reject(new Error('disk full')) : Promise.resolve(items.map(() => 1));
  };
  return { calls, ackMany };
}

void describe('AckBatcher', () => {
  void it('applies the acks of one event-loop turn in one call, in order', async () => {
    const r = recorder();
    const b = new AckBatcher(r.ackMany);
    const done = Promise.all([b.ack(item(1, 5)), b.ack(item(2, 7)), b.ack(item(1, 9))]);
    assert.deepEqual(r.calls, [], 'nothing before the turn ends');
    assert.deepEqual(await done, [1, 1, 1]);
    assert.deepEqual(r.calls, [[5, 7, 9]]);
  });

  void it('with a delay, gathers acks arriving within it into one call', async () => {
    const r = recorder();
    const b = new AckBatcher(r.ackMany, 4096, 60);
    const first = b.ack(item(1, 1));
    await sleep(15);
    const second = b.ack(item(2, 2));
    await sleep(15);
    assert.deepEqual(r.calls, [], 'still waiting for more');
    await Promise.all([first, second]);
    assert.deepEqual(r.calls, [[1, 2]]);
  });

  void it('flush() applies what is waiting at once, and a full batch does not wait', async () => {
    const r = recorder();
    const b = new AckBatcher(r.ackMany, 3, 10_000);
    void b.ack(item(1, 1));
    await b.flush();
    assert.deepEqual(r.calls, [[1]]);
    const full = Promise.all([b.ack(item(1, 2)), b.ack(item(1, 3)), b.ack(item(1, 4))]);
    await full; // would take 10 s if the size bound did not start the batch
    assert.deepEqual(r.calls, [[1], [2, 3, 4]]);
  });

  void it('rejects the callers of a failed batch and runs the next batch', async () => {
    let failNext = true;
    const r = recorder(() => {
      const f = failNext;
      failNext = false;
      return f;
    });
    const b = new AckBatcher(r.ackMany);
    await assert.rejects(b.ack(item(1, 1)), /disk full/);
    assert.equal(await b.ack(item(1, 2)), 1);
    assert.deepEqual(r.calls, [[1], [2]]);
  });
});
