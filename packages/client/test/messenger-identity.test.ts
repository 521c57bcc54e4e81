import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { MessengerError } from '../src/messenger/errors.js';
import { eventually, newUser, nextEvent, suiteRelay } from './messenger-harness.js';

const relay = suiteRelay();

/** Bob re-registers: a new account and identity that takes over his username. */
async function reRegister(old: Awaited<ReturnType<typeof newUser>>, username: string) {
  await old.m.deleteUsername();
  await old.m.close();
  return newUser(relay.url, username);
}

void describe('identity changes', () => {
  void it('a re-registered contact: sending is refused until the new safety number is accepted, then the held message appears', async () => {
    const alice = await newUser(relay.url, 'alice_i1');
    const bob = await newUser(relay.url, 'bob_i1');
    await alice.m.connect();
    await alice.m.addContact('bob', '@bob_i1');
    const before = await alice.m.safetyNumber('bob');
    assert.match(before.digits, /^\d{60}$/);

    const bob2 = await reRegister(bob, 'bob_i1');
    await bob2.m.connect();
    await bob2.m.addContact('alice', alice.m.address);
    const changed = nextEvent(alice.m, 'identityChanged');
    await (
      await bob2.m.send('alice', 'it is me, new phone')
    ).accepted;
    const ev = await changed;
    assert.deepEqual(ev, { contact: 'bob', trust: 'changed' });
    assert.equal((await alice.m.history('bob', 10)).length, 0, 'held, not shown, until accepted');

    await assert.rejects(alice.m.send('bob', 'hello?'), (e: unknown) =>
      MessengerError.is(e, 'IdentityChanged'),
    );
    const pending = await alice.m.safetyNumber('bob');
    assert.equal(pending.pending, true);
    assert.notEqual(pending.digits, before.digits, 'the safety number shows the change');

    const shown = nextEvent(alice.m, 'message');
    const accepted = await alice.m.acceptIdentity('bob');
    assert.equal(accepted.trust, 'unverified');
    assert.equal(accepted.accountId, bob2.m.accountId);
    assert.equal((await shown).entry.text, 'it is me, new phone');

    const got = nextEvent(bob2.m, 'message');
    await (
      await alice.m.send('bob', 'welcome back')
    ).accepted;
    assert.equal((await got).entry.text, 'welcome back');
    const both = await alice.m.safetyNumber('bob');
    assert.equal(
      both.digits,
      (await bob2.m.safetyNumber('alice')).digits,
      'both sides show the same 60 digits',
    );
    await alice.m.close();
    await bob2.m.close();
  });

  void it('a VERIFIED contact whose identity changes is flagged as verified-changed', async () => {
    const alice = await newUser(relay.url, 'alice_i2');
    const bob = await newUser(relay.url, 'bob_i2');
    await alice.m.connect();
    await alice.m.addContact('bob', '@bob_i2');
    await bob.m.addContact('alice', alice.m.address);
    // Verify by scanning Bob's code.
    const bobCode = await bob.m.safetyNumber('alice');
    const v = await alice.m.verifyScanned('bob', bobCode.scannableText);
    assert.equal(v.trust, 'verified');
    await assert.rejects(alice.m.verifyScanned('bob', new Uint8Array(10)), (e: unknown) =>
      MessengerError.is(e, 'VerificationFailed'),
    );

    const bob2 = await reRegister(bob, 'bob_i2');
    await bob2.m.connect();
    await bob2.m.addContact('alice', alice.m.address);
    const changed = nextEvent(alice.m, 'identityChanged');
    await (
      await bob2.m.send('alice', 'new identity')
    ).accepted;
    assert.deepEqual(await changed, { contact: 'bob', trust: 'verified-changed' });
    assert.equal((await alice.m.contact('bob')).trust, 'verified-changed');
    await assert.rejects(alice.m.markVerified('bob'), (e: unknown) =>
      MessengerError.is(e, 'IdentityChanged'),
    );
    await assert.rejects(alice.m.send('bob', 'x'), (e: unknown) => MessengerError.is(e, 'IdentityChanged'));
    await alice.m.acceptIdentity('bob');
    await eventually(async () => (await alice.m.history('bob', 10)).length === 1);
    await alice.m.close();
    await bob2.m.close();
  });

  void it('markVerified after comparing the digits; the safety number is symmetric', async () => {
    const alice = await newUser(relay.url, 'alice_i3');
    const bob = await newUser(relay.url);
    await alice.m.addContact('bob', bob.m.address);
    await bob.m.addContact('alice', '@alice_i3');
    const a = await alice.m.safetyNumber('bob');
    const b = await bob.m.safetyNumber('alice');
    assert.equal(a.digits, b.digits);
    assert.equal(a.grouped.split(' ').length, 12);
    assert.equal((await bob.m.markVerified('alice')).trust, 'verified');
    await alice.m.close();
    await bob.m.close();
  });

  void it('refuses an address whose identity key does not match the relay (IdentityMismatch)', async () => {
    const alice = await newUser(relay.url);
    const bob = await newUser(relay.url);
    const forged = bob.m.address.replace(
      /ik=([A-Za-z0-9_-]+)/,
      (_m, k: string) => `ik=${k.slice(0, 10)}${k[10] === 'A' ? 'B' : 'A'}${k.slice(11)}`,
    );
    await assert.rejects(alice.m.addContact('bob', forged), (e: unknown) =>
      MessengerError.is(e, 'IdentityMismatch'),
    );
    assert.deepEqual(await alice.m.contacts(), []);
    await alice.m.close();
    await bob.m.close();
  });
});
