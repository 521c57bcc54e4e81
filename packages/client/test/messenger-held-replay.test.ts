// Messages held for an identity change (x/ records) were acked to the relay long ago: local state
// is their only copy. Accepting the change and releasing them are separate writes, so a crash (or a
// failed write) in between must not lose them; and held messages that no decision can release any
// more (the contact was removed, a later change replaced theirs) must not stay behind forever.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import type { KvWrite } from '../src/messenger/kv.js';
import { Messenger } from '../src/messenger/messenger.js';
import {
  baseOptions,
  eventually,
  newUser,
  nextEvent,
  suiteRelay,
  tracked,
  type TestUser,
} from './messenger-harness.js';

const relay = suiteRelay();

/** Bob re-registers: a new account and identity that takes over his username. */
async function reRegister(old: TestUser, username: string): Promise<TestUser> {
  await old.m.deleteUsername();
  await old.m.close();
  return newUser(relay.url, username);
}

/** Alice (connected) has bob by username; bob re-registered and wrote once: the message is held. */
async function heldFromNewBob(tag: string, text: string) {
  const alice = await newUser(relay.url, `alice_${tag}`);
  const bob = await newUser(relay.url, `bob_${tag}`);
  await alice.m.connect();
  await alice.m.addContact('bob', `@bob_${tag}`);
  const bob2 = await reRegister(bob, `bob_${tag}`);
  await bob2.m.addContact('alice', alice.m.address);
  const changed = nextEvent(alice.m, 'identityChanged');
  await (
    await bob2.m.send('alice', text)
  ).accepted;
  await changed;
  await eventually(async () => (await alice.store.list('x/')).length === 1);
  assert.equal((await alice.m.history('bob', 10)).length, 0, 'held, not shown');
  return { alice, bob2 };
}

/** Makes the next write that releases a held envelope (deletes an x/ record) fail, once. */
function failReleaseOnce(store: TestUser['store']): () => boolean {
  let failed = false;
  const write = store.write.bind(store);
  store.write = (batch: readonly KvWrite[]) => {
    if (!failed && batch.some((w) => w.key.startsWith('x/') && w.value === null)) {
      failed = true;
      return Promise.reject(new Error('simulated crash between accepting and releasing'));
    }
    return write(batch);
  };
  return () => failed;
}

void describe('held messages after an identity change', () => {
  void it('acceptIdentity cut short after the acceptance was stored: calling it again shows the held message', async () => {
    const { alice, bob2 } = await heldFromNewBob('hr1', 'it is me, new phone');
    const failed = failReleaseOnce(alice.store);
    await assert.rejects(alice.m.acceptIdentity('bob'));
    assert.ok(failed(), 'the release write was the one that failed');
    // The acceptance itself is stored: no change is pending any more.
    const after = await alice.m.contact('bob');
    assert.equal(after.trust, 'unverified');
    assert.equal(after.accountId, bob2.m.accountId);
    assert.equal((await alice.m.history('bob', 10)).length, 0);

    const shown = nextEvent(alice.m, 'message');
    await alice.m.acceptIdentity('bob'); // the user tries again
    assert.equal((await shown).entry.text, 'it is me, new phone');
    assert.deepEqual(
      (await alice.m.history('bob', 10)).map((h) => h.text),
      ['it is me, new phone'],
    );
    assert.equal((await alice.store.list('x/')).length, 0, 'released');
    // And once only: a third call finds nothing to release.
    await alice.m.acceptIdentity('bob');
    assert.equal((await alice.m.history('bob', 10)).length, 1);
    await alice.m.close();
    await bob2.m.close();
  });

  void it('a crash between accepting and releasing: the next connect shows the held message', async () => {
    const { alice, bob2 } = await heldFromNewBob('hr2', 'held across a crash');
    failReleaseOnce(alice.store);
    await assert.rejects(alice.m.acceptIdentity('bob'));
    await alice.m.close(); // the "crash"

    const again = tracked(await Messenger.open(baseOptions(alice.store)));
    const shown = nextEvent(again, 'message');
    await again.connect();
    assert.equal((await shown).entry.text, 'held across a crash');
    assert.deepEqual(
      (await again.history('bob', 10)).map((h) => h.text),
      ['held across a crash'],
    );
    assert.equal((await alice.store.list('x/')).length, 0);
    // The receipt for the released message reaches the new bob.
    const delivered = nextEvent(bob2.m, 'delivery', (e) => e.state === 'delivered');
    await bob2.m.connect();
    await delivered;
    await again.close();
    await bob2.m.close();
  });

  void it('removing a contact whose change is pending drops its held messages', async () => {
    const { alice, bob2 } = await heldFromNewBob('hr3', 'never accepted');
    await alice.m.removeContact('bob');
    assert.deepEqual(await alice.store.list('x/'), []);
    await alice.m.close();
    await bob2.m.close();
  });

  void it("a second account claiming the contact before the first was accepted: the first one's held messages are dropped, not orphaned", async () => {
    const { alice, bob2 } = await heldFromNewBob('hr4', 'from the second account');
    const bob3 = await reRegister(bob2, 'bob_hr4');
    await bob3.m.addContact('alice', alice.m.address);
    const changed = nextEvent(alice.m, 'identityChanged');
    await (
      await bob3.m.send('alice', 'from the third account')
    ).accepted;
    await changed;
    await eventually(async () => (await alice.store.list('x/')).length === 2);

    const shown = nextEvent(alice.m, 'message');
    const accepted = await alice.m.acceptIdentity('bob');
    assert.equal(accepted.accountId, bob3.m.accountId, 'the change accepted is the latest one');
    assert.equal((await shown).entry.text, 'from the third account');
    assert.deepEqual(
      (await alice.m.history('bob', 10)).map((h) => h.text),
      ['from the third account'],
    );
    assert.deepEqual(await alice.store.list('x/'), [], 'nothing left held for the superseded account');
    await alice.m.close();
    await bob3.m.close();
  });
});
