// A backlog of expired envelopes or attachments is swept in batches, and the event loop gets a turn
// between batches: each SQLite batch is a synchronous transaction, so a sweep that only awaited
// settled promises would hold every socket and timer until the whole backlog was gone.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { relayStoreFromPorts } from '../src/store-adapter.js';
import type { RelayStores } from '../src/store/index.js';

/** Ports whose sweeps report full batches `full` times, then a short one; `log` records each call. */
function sweepingPorts(full: number, log: string[]): RelayStores {
  const batches = (kind: string) => {
    let left = full;
    return (_now: number, limit: number) => {
      log.push(kind);
      return Promise.resolve(left-- > 0 ? limit : 3);
    };
  };
  return {
    mailbox: { sweepExpired: batches('envelopes') },
    attachments: { sweepExpiredAttachments: batches('attachments') },
  } as unknown as RelayStores;
}

void describe('the sweep of a large backlog', () => {
  for (const kind of ['envelopes', 'attachments'] as const) {
    void it(`lets the event loop run between batches of ${kind}`, async () => {
      const log: string[] = [];
      const store = relayStoreFromPorts(sweepingPorts(4, log), 100);
      setImmediate(() => log.push('io turn'));
      const total = await (kind === 'envelopes' ? store.sweepExpired(0) : store.sweepAttachments(0));
      assert.equal(total, 4 * 1000 + 3, 'every batch counted');
      assert.equal(log.filter((x) => x === kind).length, 5);
      const turn = log.indexOf('io turn');
      assert.ok(turn > 0 && turn < log.length - 1, `an I/O turn ran mid-sweep: ${log.join(', ')}`);
    });
  }
});
