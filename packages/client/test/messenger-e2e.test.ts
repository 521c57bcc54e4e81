import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { Messenger } from '../src/messenger/messenger.js';
import { MessengerError } from '../src/messenger/errors.js';
import {
  baseOptions,
  contactsPair,
  eventually,
  newUser,
  nextEvent,
  suiteRelay,
  tracked,
} from './messenger-harness.js';

const relay = suiteRelay();

void describe('two users through a real relay', () => {
  void it('add each other (address and username), chat both ways, get receipts, and keep everything across a restart', async () => {
    const alice = await newUser(relay.url, 'alice');
    const bob = await newUser(relay.url, 'bob');
    await alice.m.connect();
    await bob.m.connect();

    const b = await alice.m.addContact('bob', bob.m.address);
    assert.equal(b.trust, 'verified', 'an address carries the identity key: verified at once');
    const a = await bob.m.addContact('alice', '@alice');
    assert.equal(a.trust, 'unverified', 'a username is trust on first use');

    const got = nextEvent(bob.m, 'message', (e) => e.entry.text === 'hi bob');
    const delivered = nextEvent(alice.m, 'delivery', (e) => e.state === 'delivered');
    const sent = await alice.m.send('bob', 'hi bob');
    assert.equal(sent.entry.state, 'sending');
    await sent.accepted;
    const msg = await got;
    assert.equal(msg.contact, 'alice');
    assert.equal(msg.entry.direction, 'in');
    await delivered;
    assert.equal((await alice.m.history('bob', 10))[0]!.state, 'delivered');

    const back = nextEvent(alice.m, 'message', (e) => e.entry.text === 'hi alice');
    await (
      await bob.m.send('alice', 'hi alice')
    ).accepted;
    assert.equal((await back).contact, 'bob');

    // Restart both from their stores: history and sessions survive.
    await alice.m.close();
    await bob.m.close();
    const alice2 = tracked(await Messenger.open(baseOptions(alice.store)));
    const bob2 = tracked(await Messenger.open(baseOptions(bob.store)));
    assert.equal(alice2.accountId, alice.m.accountId);
    assert.deepEqual(
      (await alice2.history('bob', 10)).map((h) => [h.direction, h.text]),
      [
        ['out', 'hi bob'],
        ['in', 'hi alice'],
      ],
    );
    await alice2.connect();
    await bob2.connect();
    const again = nextEvent(bob2, 'message', (e) => e.entry.text === 'after restart');
    await (
      await alice2.send('bob', 'after restart')
    ).accepted;
    await again;
    assert.equal((await bob2.history('alice', 10)).length, 3);
    await alice2.close();
    await bob2.close();
  });

  void it('queues messages for an offline recipient and delivers them in order on connect', async () => {
    const alice = await newUser(relay.url);
    const bob = await newUser(relay.url);
    await alice.m.connect();
    await alice.m.addContact('bob', bob.m.address);
    for (const t of ['one', 'two', 'three']) await (await alice.m.send('bob', t)).accepted;
    await bob.m.addContact('alice', alice.m.address);
    const texts: string[] = [];
    bob.m.on('message', (e) => texts.push(e.entry.text));
    await bob.m.connect();
    await bob.m.whenQueueEmpty();
    await eventually(() => texts.length === 3);
    assert.deepEqual(texts, ['one', 'two', 'three']);
    assert.deepEqual(
      (await bob.m.history('alice', 10)).map((h) => h.text),
      ['one', 'two', 'three'],
    );
    await alice.m.close();
    await bob.m.close();
  });

  void it('shows a message from a stranger under a new contact, and refuses unknown names with typed errors', async () => {
    const alice = await newUser(relay.url, 'alice2');
    const carol = await newUser(relay.url);
    await alice.m.connect();
    await carol.m.connect();
    await carol.m.addContact('alice', '@alice2');
    const added = nextEvent(alice.m, 'contactAdded');
    const got = nextEvent(alice.m, 'message');
    await (
      await carol.m.send('alice', 'hello stranger')
    ).accepted;
    const c = await added;
    assert.match(c.contact, /^unknown-/);
    assert.equal((await got).entry.text, 'hello stranger');
    await assert.rejects(alice.m.send('nobody', 'x'), (e) => MessengerError.is(e, 'UnknownContact'));
    await assert.rejects(alice.m.addContact('x', 'sotto:nope'), (e) =>
      MessengerError.is(e, 'InvalidAddress'),
    );
    await assert.rejects(newUser(relay.url, 'alice2'), (e: unknown) => MessengerError.is(e, 'UsernameTaken'));
    await assert.rejects(alice.m.addContact('x', '@no_such_user'), (e) =>
      MessengerError.is(e, 'UsernameNotFound'),
    );
    await alice.m.close();
    await carol.m.close();
  });

  void it('both sides start a session at the same time and still converse afterwards', async () => {
    const { alice, bob } = await contactsPair(relay.url);
    const atBob: string[] = [];
    const atAlice: string[] = [];
    bob.m.on('message', (e) => atBob.push(e.entry.text));
    alice.m.on('message', (e) => atAlice.push(e.entry.text));
    const [a, b] = await Promise.all([alice.m.send('bob', 'a1'), bob.m.send('alice', 'b1')]);
    await Promise.all([a.accepted, b.accepted]);
    await eventually(() => atBob.length === 1 && atAlice.length === 1);
    for (let i = 2; i <= 4; i++) {
      await (
        await alice.m.send('bob', `a${i}`)
      ).accepted;
      await (
        await bob.m.send('alice', `b${i}`)
      ).accepted;
    }
    await eventually(() => atBob.length === 4 && atAlice.length === 4);
    assert.deepEqual(atBob, ['a1', 'a2', 'a3', 'a4']);
    assert.deepEqual(atAlice, ['b1', 'b2', 'b3', 'b4']);
    await alice.m.close();
    await bob.m.close();
  });
});
