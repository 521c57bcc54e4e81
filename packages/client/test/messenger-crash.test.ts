import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { Messenger } from '../src/messenger/messenger.js';
import {
  baseOptions,
  contactsPair,
  eventually,
  nextEvent,
  suiteRelay,
  tracked,
} from './messenger-harness.js';

const relay = suiteRelay();

void describe('receiving is crash-safe and idempotent', () => {
  void it('a crash after persisting but before the ack shows the message exactly once after restart', async () => {
    let crashes = 0;
    const { alice, bob } = await contactsPair(relay.url, {
      bob: {
        hooks: {
          afterCommitBeforeAck: () => {
            crashes++;
            throw new Error('simulated crash between persist and ack');
          },
        },
      },
      connect: false,
    });
    await alice.m.connect();
    await (
      await alice.m.send('bob', 'exactly once')
    ).accepted;

    await bob.m.connect();
    await eventually(() => crashes === 1);
    await bob.m.close(); // the "crash": the envelope was never acked

    // Restart without the crash hook: the relay redelivers; it is recognised as seen and acked.
    const bob2 = tracked(await Messenger.open(baseOptions(bob.store)));
    const shown: string[] = [];
    bob2.on('message', (e) => shown.push(e.entry.text));
    await bob2.connect();
    await bob2.whenQueueEmpty();
    await eventually(async () => (await bob2.history('alice', 10)).length === 1);
    assert.deepEqual(
      (await bob2.history('alice', 10)).map((h) => h.text),
      ['exactly once'],
    );
    assert.deepEqual(shown, [], 'the redelivered copy is not announced again');
    await bob2.close();

    // And it was acked: a third start gets nothing new.
    const bob3 = tracked(await Messenger.open(baseOptions(bob.store)));
    await bob3.connect();
    await bob3.whenQueueEmpty();
    assert.equal((await bob3.history('alice', 10)).length, 1);
    await bob3.close();
    await alice.m.close();
  });

  void it('a storage failure while receiving is not acked, and the message arrives after reconnect', async () => {
    const { alice, bob } = await contactsPair(relay.url, { connect: false });
    await alice.m.connect();
    await (
      await alice.m.send('bob', 'survives a disk error')
    ).accepted;
    bob.store.failNextWrite = new Error('disk full');
    const failed = nextEvent(bob.m, 'error', (e) => e.code === 'StorageFailed');
    await bob.m.connect();
    await failed;
    assert.equal((await bob.m.history('alice', 10)).length, 0);
    await bob.m.close();
    const bob2 = tracked(await Messenger.open(baseOptions(bob.store)));
    const got = nextEvent(bob2, 'message');
    await bob2.connect();
    assert.equal((await got).entry.text, 'survives a disk error');
    await bob2.close();
    await alice.m.close();
  });
});
