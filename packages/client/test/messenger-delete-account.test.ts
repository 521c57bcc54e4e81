// Deleting an account: the relay forgets it and every device of it, and what contacts then send to it
// fails with a typed error instead of being retried for ever.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { Messenger } from '../src/messenger/messenger.js';
import { MemoryKv } from '../src/messenger/kv.js';
import { baseOptions, contactsPair, eventually, suiteRelay, tracked } from './messenger-harness.js';
import type { MessengerEvents } from '../src/messenger/events.js';

const relay = suiteRelay();

void describe('Messenger.deleteAccount()', () => {
  void it('removes the account and its other devices from the relay; a contact sending to it gets a typed failure', async () => {
    const { alice, bob } = await contactsPair(relay.url);
    const a2 = tracked(
      await Messenger.link({ ...baseOptions(new MemoryKv()), deviceLink: alice.m.exportDeviceLink() }),
    );
    await a2.connect();
    const a2errors: MessengerEvents['error'][] = [];
    a2.on('error', (e) => a2errors.push(e));
    await alice.m.setUsername('gone_soon');
    const accountId = alice.m.accountId;

    await alice.m.deleteAccount();
    // Its own credentials no longer work (the messenger is closed; the relay is asked directly).
    await assert.rejects(alice.m.devices(), (e: { code?: string }) => e.code === 'RelayRejected');
    // The other device is cut off and told why.
    await eventually(() => a2errors.some((e) => e.code === 'RelayRejected'));
    await assert.rejects(a2.devices(), (e: { code?: string }) => e.code === 'RelayRejected');
    await assert.rejects(bob.m.addContact('alice2', '@gone_soon'), { code: 'UsernameNotFound' });

    const states: string[] = [];
    bob.m.on('delivery', (e) => states.push(e.state));
    const sent = await bob.m.send('alice', 'are you there?');
    await assert.rejects(sent.accepted, (e: { code?: string }) => e.code === 'RelayRejected');
    await eventually(() => states.includes('failed'));
    assert.equal((await bob.m.contact('alice')).accountId, accountId);
    await a2.close();
    await bob.m.close();
  });
});
