// Who can get a contacts sync accepted: only a device holding the account's identity key. A hostile
// relay (or a contact working with it) that builds its own session to us under another identity key
// and labels it as our device 2 is refused, and so is a contact sending a contacts message on its
// own session. What protects this is the pin of our own account to our own identity key
// (protocol-stores.ts) and the receiver taking sync only from our own account.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import {
  CiphertextMessageType,
  InMemoryIdentityKeyStore,
  InMemorySessionStore,
  PrivateKey,
  ProtocolAddress,
  processPreKeyBundle,
  signalEncrypt,
} from '@sotto/protocol';
import { uuidToBytes } from '@sotto/wire';
import { firstDelivers, forgeSender } from '@sotto/testkit/hostile-relay';
import { encodeContent } from '../src/messenger/content.js';
import type { MessengerContext } from '../src/messenger/context.js';
import type { MessengerEvents } from '../src/messenger/events.js';
import { idToHex } from '../src/messenger/ids.js';
import { LocalState } from '../src/messenger/local-state.js';
import { padPlaintext } from '../src/messenger/message-padding.js';
import type { Messenger } from '../src/messenger/messenger.js';
import { toProtocolBundle } from '../src/messenger/session-setup.js';
import { contactsPair, eventually, suiteHostileRelay } from './messenger-harness.js';

const relay = suiteHostileRelay();
const ctxOf = (m: Messenger) => (m as unknown as { ctx: MessengerContext }).ctx;

/** A contacts message adding "mallory" (verified), answering `requestId`. */
function malloryContacts(requestId: Uint8Array): Uint8Array {
  return encodeContent({
    kind: 'contacts',
    messageId: new Uint8Array(16).fill(7),
    sentAt: 1,
    requestId,
    contacts: [
      {
        accountId: uuidToBytes('11111111-2222-4333-8444-555555555555')!,
        identityKey: PrivateKey.generate().getPublicKey().serialize(),
        verified: true,
        name: 'mallory',
        username: null,
      },
    ],
  });
}

/** Makes `m` a device waiting for contacts (as right after Messenger.link); returns the request id. */
async function awaitingContacts(m: Messenger): Promise<Uint8Array> {
  const requestId = new Uint8Array(16).fill(9);
  const state = new LocalState(ctxOf(m).store);
  state.putContactsRequest(idToHex(requestId));
  await state.commit();
  return requestId;
}

void describe('contacts sync: who can send one', () => {
  void it('a session under a foreign identity key, labelled as our own device 2, is refused', async () => {
    const { alice, bob } = await contactsPair(relay.url, { connect: false });
    const requestId = await awaitingContacts(bob.m);
    // The attacker's own session to bob's device, its addresses bound as "bob device 2 → bob".
    const bundles = await ctxOf(alice.m).relay.getBundles(bob.m.accountId);
    const d = bundles.devices[0]!;
    const eve = PrivateKey.generate();
    const sessions = new InMemorySessionStore();
    const ids = new InMemoryIdentityKeyStore(
      { publicKey: eve.getPublicKey().serialize(), privateKey: eve.serialize() },
      4242,
    );
    const from = ProtocolAddress.new(bob.m.accountId, 2);
    const to = ProtocolAddress.new(bob.m.accountId, d.deviceId);
    await processPreKeyBundle(toProtocolBundle(bundles.identityKey, d), to, from, sessions, ids);
    const forged = await signalEncrypt(padPlaintext(malloryContacts(requestId)), to, from, sessions, ids);
    // The relay swaps it in for alice's next envelope to bob, stamped as from bob's device 2.
    relay.hostile.toClient(
      firstDelivers(bob.m.accountId, 1, (f) => [
        {
          ...forgeSender(f, bob.m.accountId, 2),
          envelopeType: CiphertextMessageType.PreKey,
          content: forged.serialize(),
        },
      ]),
    );
    const errors: MessengerEvents['error'][] = [];
    const added: string[] = [];
    bob.m.on('error', (e) => errors.push(e));
    bob.m.on('contactAdded', (e) => added.push(e.contact));
    await alice.m.connect();
    await bob.m.connect();
    await (
      await alice.m.send('bob', 'carrier')
    ).accepted;
    await eventually(() => errors.length >= 1);
    assert.equal(errors[0]!.code, 'DecryptFailed');
    assert.equal(errors[0]!.reason, 'UntrustedIdentity');
    assert.deepEqual(added, []);
    assert.equal(
      (await bob.m.contacts()).some((c) => c.name === 'mallory'),
      false,
    );
    await alice.m.close();
    await bob.m.close();
  });

  void it('a contact sending a contacts message on its own session is refused', async () => {
    const { alice, bob } = await contactsPair(relay.url, { connect: false });
    const requestId = await awaitingContacts(bob.m);
    // Alice's client queues it to bob as if it were a sync message (a modified client could).
    const actx = ctxOf(alice.m);
    const state = new LocalState(actx.store);
    state.putOutbox({
      id: '77'.repeat(16),
      kind: 'sync',
      contact: bob.m.accountId,
      legs: [
        { recipient: bob.m.accountId, content: malloryContacts(requestId), envelopeIds: {}, done: false },
      ],
      attempts: 0,
      nextAttemptAt: 0,
      createdAt: 0,
    });
    await state.commit();
    const errors: MessengerEvents['error'][] = [];
    bob.m.on('error', (e) => errors.push(e));
    await bob.m.connect();
    await alice.m.connect();
    await alice.m.flushOutbox();
    await eventually(() => errors.length >= 1);
    assert.equal(errors[0]!.code, 'DecryptFailed');
    assert.equal(errors[0]!.reason, 'InvalidContent');
    assert.equal(
      (await bob.m.contacts()).some((c) => c.name === 'mallory'),
      false,
    );
    await alice.m.close();
    await bob.m.close();
  });
});
