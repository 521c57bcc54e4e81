// An envelope whose batch the store refuses for what it holds (a value over the store's limit, as
// backend.ts's checkValue refuses one over MAX_VALUE_BYTES) would be refused again on every
// redelivery: it must be acked and reported as rejected (DecryptFailed, reason StorageRefused), not
// redelivered forever while the sender's later messages never arrive. A store that fails for a
// transient reason (I/O, disk full) must still NOT ack: nothing is lost.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { MemoryBackend } from '../src/storage/memory-backend.js';
import type { BackendOp, RangeQuery, StorageBackend } from '../src/storage/backend.js';
import { StorageError } from '../src/storage/errors.js';
import { TEST_KDF_COST } from '../src/storage/key-wrapper.js';
import type { MessengerEvents } from '../src/messenger/events.js';
import { Messenger, type MessengerOptions } from '../src/messenger/messenger.js';
import {
  FAST_BACKOFF,
  TEST_POLICY,
  WS,
  eventually,
  newUser,
  suiteRelay,
  tracked,
} from './messenger-harness.js';

const relay = suiteRelay();

/** Far below the real 16 MiB, so that one long text reaches it; no other record comes near it. */
const LIMIT = 16 * 1024;

/**
 * A MemoryBackend that, when armed, refuses a batch with a value over LIMIT: for good
 * ('InvalidArgument', as checkValue does) or for now ('BackendFailure', a full disk). Its data
 * outlives close(), so the same account can be opened again.
 */
class RefusingBackend implements StorageBackend {
  refuse: 'InvalidArgument' | 'BackendFailure' | null = null;
  private readonly inner = new MemoryBackend();

  get(table: string, key: Uint8Array) {
    return this.inner.get(table, key);
  }
  put(table: string, key: Uint8Array, value: Uint8Array) {
    return this.inner.put(table, key, value);
  }
  delete(table: string, key: Uint8Array) {
    return this.inner.delete(table, key);
  }
  range(table: string, query?: RangeQuery) {
    return this.inner.range(table, query);
  }
  count(table: string) {
    return this.inner.count(table);
  }
  batch(ops: readonly BackendOp[]): Promise<void> {
    if (this.refuse && ops.some((o) => o.op === 'put' && o.value.length > LIMIT)) {
      return Promise.reject(
        this.refuse === 'InvalidArgument'
          ? new StorageError('InvalidArgument', `"value" expected a Uint8Array of at most ${LIMIT} bytes`)
          : new StorageError('BackendFailure', 'disk full'),
      );
    }
    return this.inner.batch(ops);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function options(backend: StorageBackend): MessengerOptions {
  return {
    backend,
    passphrase: 'pw',
    storeOptions: { kdfCost: TEST_KDF_COST },
    WebSocket: WS,
    prekeyPolicy: TEST_POLICY,
    backoff: FAST_BACKOFF,
  };
}

/** Opens bob's account again, records what it shows and reports, connects and waits for the backlog. */
async function reopen(backend: StorageBackend) {
  const m = tracked(await Messenger.open(options(backend)));
  const shown: string[] = [];
  const errors: MessengerEvents['error'][] = [];
  m.on('message', (e) => shown.push(e.entry.text));
  m.on('error', (e) => errors.push(e));
  await m.connect();
  await m.whenQueueEmpty();
  return { m, shown, errors };
}

/** Bob on `backend` and alice, contacts of each other; both offline. */
async function pair(backend: RefusingBackend) {
  const bob = tracked(await Messenger.create({ ...options(backend), relayUrl: relay.url }));
  const alice = await newUser(relay.url);
  await alice.m.addContact('bob', bob.address);
  await bob.addContact('alice', alice.m.address);
  return { alice: alice.m, bob };
}

const LONG = 'x'.repeat(20_000); // its history record is over LIMIT

/** Errors about received envelopes (not, say, a receipt whose sending close() cut short). */
const aboutReceiving = (e: MessengerEvents['error']) =>
  e.code === 'DecryptFailed' || e.code === 'StorageFailed';

void describe('a received envelope the store cannot take', () => {
  void it('refused for good (value too large): acked, reported as rejected, and later messages arrive', async () => {
    const backend = new RefusingBackend();
    const { alice, bob } = await pair(backend);
    backend.refuse = 'InvalidArgument';
    await (
      await alice.send('bob', LONG)
    ).accepted;
    await (
      await alice.send('bob', 'after')
    ).accepted;
    const shown: string[] = [];
    const errors: MessengerEvents['error'][] = [];
    bob.on('message', (e) => shown.push(e.entry.text));
    bob.on('error', (e) => errors.push(e));
    await bob.connect();
    await eventually(() => shown.length === 1 && errors.some(aboutReceiving));
    await bob.close();
    assert.deepEqual(shown, ['after']);
    assert.deepEqual(
      errors.filter(aboutReceiving).map((e) => [e.code, e.reason, e.contact]),
      [['DecryptFailed', 'StorageRefused', 'alice']],
    );
    // It was acked: the next session gets nothing again, and reports nothing.
    const again = await reopen(backend);
    const history = (await again.m.history('alice', 10)).map((h) => h.text);
    await again.m.close(); // waits for whatever was still being received
    assert.deepEqual(again.shown, []);
    assert.deepEqual(again.errors.filter(aboutReceiving), []);
    assert.deepEqual(history, ['after']);
    await alice.close();
  });

  void it('refused for now (disk full): not acked, so it arrives once the store works again', async () => {
    const backend = new RefusingBackend();
    const { alice, bob } = await pair(backend);
    backend.refuse = 'BackendFailure';
    await (
      await alice.send('bob', LONG)
    ).accepted;
    const shown: string[] = [];
    const errors: MessengerEvents['error'][] = [];
    bob.on('message', (e) => shown.push(e.entry.text));
    bob.on('error', (e) => errors.push(e));
    await bob.connect();
    await eventually(() => errors.some(aboutReceiving));
    await bob.close();
    assert.deepEqual(shown, []);
    assert.deepEqual(
      errors.filter(aboutReceiving).map((e) => e.code),
      ['StorageFailed'],
    );
    backend.refuse = null;
    const later = await reopen(backend);
    await eventually(() => later.shown.length === 1);
    assert.deepEqual(later.shown, [LONG]);
    await later.m.close();
    await alice.close();
  });
});
