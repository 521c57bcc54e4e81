// A hostile relay at session start and in the delivery stream: a substituted identity key for an
// UNVERIFIED contact, a bundle whose signed prekey signature is broken, exact duplicate deliveries,
// and a forged "receipt". The secure outcome: a visible state change or a typed error, never a
// silent switch, never a message shown twice, never a false "delivered".
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import {
  breakKyberPreKeySignature,
  breakSignedPreKeySignature,
  falselyAccepted,
  forgedDeliver,
  substituteIdentityKey,
  substituteOneTimePreKey,
  substituteSignedPreKey,
  type BundleRule,
} from '@sotto/testkit/hostile-relay';
import { MessengerError } from '../src/messenger/errors.js';
import type { MessengerEvents } from '../src/messenger/events.js';
import { contactsPair, eventually, newUser, nextEvent, suiteHostileRelay } from './messenger-harness.js';

const relay = suiteHostileRelay();

/**
 * Alice sends `text` to bob over a bundle that `rule` rewrote: every error alice reports is a typed
 * BadBundle, the message stays "sending", and bob never shows anything. Returns both, still open.
 */
async function refusedAsBadBundle(rule: BundleRule, text: string) {
  const { alice, bob } = await contactsPair(relay.url, { connect: false });
  relay.hostile.bundles(rule);
  const shown: string[] = [];
  bob.m.on('message', (e) => shown.push(e.entry.text));
  await bob.m.connect();
  await alice.m.connect();
  const errors: MessengerEvents['error'][] = [];
  alice.m.on('error', (e) => errors.push(e));
  await alice.m.send('bob', text);
  // BadBundle is not permanent (an honest relay may serve a good bundle later): the outbox keeps
  // the message and retries, reporting the typed error each time; nothing reaches bob.
  await eventually(() => errors.length >= 1);
  assert.ok(
    errors.every((e) => e.code === 'BadBundle'),
    `typed BadBundle, got ${errors.map((e) => e.code).join()}`,
  );
  assert.equal((await alice.m.history('bob', 10))[0]!.state, 'sending', 'never marked sent');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(shown, []);
  return { alice, bob };
}

void describe('a hostile relay (bundles, duplicates, receipts)', () => {
  void it('a substituted identity key for an UNVERIFIED contact: "changed" state, a different safety number, no silent switch', async () => {
    const bob = await newUser(relay.url, 'bob_h1');
    const mitm = (await newUser(relay.url)).m;
    const alice = await newUser(relay.url);
    relay.hostile.bundles(substituteIdentityKey(mitm.identityKey));
    await alice.m.addContact('bob', '@bob_h1');
    await bob.m.addContact('alice', alice.m.address);
    assert.equal((await alice.m.contact('bob')).trust, 'unverified');
    const honest = (await alice.m.safetyNumber('bob')).digits;
    assert.equal(honest, (await bob.m.safetyNumber('alice')).digits, 'before the attack both sides agree');
    await alice.m.connect();
    const changed = nextEvent(alice.m, 'identityChanged');
    const sent = await alice.m.send('bob', 'secret');
    await assert.rejects(sent.accepted, (e: unknown) => MessengerError.is(e, 'IdentityChanged'));
    assert.deepEqual(await changed, { contact: 'bob', trust: 'changed' });
    const pending = await alice.m.safetyNumber('bob');
    assert.equal(pending.pending, true);
    assert.notEqual(
      pending.digits,
      (await bob.m.safetyNumber('alice')).digits,
      'the MITM key shows a different number',
    );
    assert.equal((await alice.m.contact('bob')).trust, 'changed');
    await assert.rejects(alice.m.send('bob', 'again'), (e: unknown) =>
      MessengerError.is(e, 'IdentityChanged'),
    );
    await alice.m.close();
    await bob.m.close();
    await mitm.close();
  });

  void it('a bundle whose signed prekey signature is broken is refused with a typed BadBundle error and never sent', async () => {
    const { alice, bob } = await refusedAsBadBundle(breakSignedPreKeySignature(), 'over a forged bundle');
    assert.equal(
      (await alice.m.contact('bob')).trust,
      'verified',
      'a bad signature is not an identity change',
    );
    await alice.m.close();
    await bob.m.close();
  });

  void it('an envelope delivered twice under the same id is shown once', async () => {
    const { alice, bob } = await contactsPair(relay.url, { connect: false });
    relay.hostile.toClient((f, conn) =>
      f.type === 'deliver' && conn.accountId === bob.m.accountId ? [f, f] : [f],
    );
    const shown: string[] = [];
    bob.m.on('message', (e) => shown.push(e.entry.text));
    await alice.m.connect();
    await bob.m.connect();
    await (
      await alice.m.send('bob', 'one')
    ).accepted;
    await (
      await alice.m.send('bob', 'two')
    ).accepted;
    await eventually(() => shown.length === 2);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(shown, ['one', 'two']);
    assert.deepEqual(
      (await bob.m.history('alice', 10)).map((h) => h.text),
      ['one', 'two'],
    );
    await alice.m.close();
    await bob.m.close();
  });

  void it('a forged receipt from the relay (junk "from" the recipient) never marks a message delivered', async () => {
    let forged = 0;
    const bob = await newUser(relay.url);
    // Bob never connects: nothing is ever really delivered. The relay injects a fake envelope "from
    // bob" into alice's stream after each real frame it would send her.
    const alice = await newUser(relay.url);
    relay.hostile.toClient((f, conn) => {
      if (f.type !== 'submitResult' || conn.accountId !== alice.m.accountId) return [f];
      forged++;
      return [f, forgedDeliver(bob.m.accountId, 1_000_000 + forged)];
    });
    await alice.m.addContact('bob', bob.m.address);
    const errors: MessengerEvents['error'][] = [];
    alice.m.on('error', (e) => errors.push(e));
    await alice.m.connect();
    await (
      await alice.m.send('bob', 'not yet read')
    ).accepted;
    await eventually(() => errors.length >= 1);
    assert.ok(errors.every((e) => e.code === 'DecryptFailed'));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(forged > 0, true);
    assert.deepEqual(
      (await alice.m.history('bob', 10)).map((h) => [h.text, h.state]),
      [['not yet read', 'sent']],
    );
    await alice.m.close();
    await bob.m.close();
  });
  void it('a submit the relay swallows but answers "Accepted" stays "sent", never "delivered", and is never shown', async () => {
    const { alice, bob } = await contactsPair(relay.url, { connect: false });
    // The relay drops alice's first submit and answers for it itself (a false claim of acceptance).
    let swallowed = 0;
    relay.hostile.toRelay((f, conn) => {
      if (f.type !== 'submit' || conn.accountId !== alice.m.accountId || swallowed > 0) return [f];
      swallowed++;
      conn.toClient(falselyAccepted(f));
      return [];
    });
    const shown: string[] = [];
    bob.m.on('message', (e) => shown.push(e.entry.text));
    await alice.m.connect();
    await bob.m.connect();
    await (
      await alice.m.send('bob', 'swallowed')
    ).accepted;
    await (
      await alice.m.send('bob', 'through')
    ).accepted;
    await eventually(() => shown.length === 1);
    await eventually(async () => (await alice.m.history('bob', 10))[1]!.state === 'delivered');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(swallowed, 1);
    assert.deepEqual(shown, ['through']);
    assert.deepEqual(
      (await alice.m.history('bob', 10)).map((h) => [h.text, h.state]),
      [
        ['swallowed', 'sent'],
        ['through', 'delivered'],
      ],
    );
    await alice.m.close();
    await bob.m.close();
  });

  void it("a substituted signed prekey (the relay's own key under the real signature) is refused with BadBundle", async () => {
    const mitm = (await newUser(relay.url)).m;
    const { alice, bob } = await refusedAsBadBundle(
      substituteSignedPreKey(mitm.identityKey),
      'over a substituted prekey',
    );
    await alice.m.close();
    await bob.m.close();
    await mitm.close();
  });
  void it('a substituted one-time prekey (unsigned, so the sender cannot tell): the recipient rejects the message with a typed error, never shows it, and it never shows "delivered"', async () => {
    const { alice, bob } = await contactsPair(relay.url, { connect: false });
    const mitm = (await newUser(relay.url)).m;
    relay.hostile.bundles(substituteOneTimePreKey(mitm.identityKey));
    const shown: string[] = [];
    const errors: MessengerEvents['error'][] = [];
    bob.m.on('message', (e) => shown.push(e.entry.text));
    bob.m.on('error', (e) => errors.push(e));
    await bob.m.connect();
    await alice.m.connect();
    await (
      await alice.m.send('bob', 'over a substituted one-time prekey')
    ).accepted;
    await eventually(() => errors.length >= 1);
    assert.ok(
      errors.every((e) => e.code === 'DecryptFailed'),
      errors.map((e) => e.code).join(),
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(shown, []);
    assert.equal((await alice.m.history('bob', 10))[0]!.state, 'sent');
    await alice.m.close();
    await bob.m.close();
    await mitm.close();
  });
  void it('a bundle whose Kyber prekey signature is broken is refused with BadBundle and never sent', async () => {
    const { alice, bob } = await refusedAsBadBundle(
      breakKyberPreKeySignature(),
      'over a forged Kyber prekey',
    );
    await alice.m.close();
    await bob.m.close();
  });
});
