// A hostile relay at session start and in the delivery stream: a substituted identity key for an
// UNVERIFIED contact, a bundle whose signed prekey signature is broken, exact duplicate deliveries,
// and a forged "receipt". The secure outcome: a visible state change or a typed error, never a
// silent switch, never a message shown twice, never a false "delivered".
import { after, before, describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import type { FetchLike } from '@sotto/wire';
import { MessengerError } from '../src/messenger/errors.js';
import type { MessengerEvents } from '../src/messenger/events.js';
import {
  eventually,
  interceptingWebSocket,
  newUser,
  nextEvent,
  startTestRelay,
  type TestRelay,
} from './messenger-harness.js';

let relay: TestRelay;
before(async () => {
  relay = await startTestRelay();
});
after(async () => {
  await relay.close();
});

type Bundle = { identityKey: string; devices: { signedPreKey: { signature: string } }[] };

/** A fetch that rewrites every prekey bundle the relay serves with `edit`. */
function bundleRewriter(edit: (b: Bundle) => void): FetchLike {
  return async (url, init) => {
    const res = await fetch(url, init);
    if (!/\/v1\/keys\/[0-9a-f-]{36}\//.test(url)) return res;
    const body = (await res.json()) as Bundle;
    edit(body);
    return {
      status: res.status,
      headers: res.headers,
      json: () => Promise.resolve(body),
      arrayBuffer: () => Promise.reject(new Error('unused')),
    };
  };
}

void describe('a hostile relay (bundles, duplicates, receipts)', () => {
  void it('a substituted identity key for an UNVERIFIED contact: "changed" state, a different safety number, no silent switch', async () => {
    const bob = await newUser(relay.url, 'bob_h1');
    const mitm = (await newUser(relay.url)).m;
    const alice = await newUser(relay.url, undefined, {
      fetch: bundleRewriter((b) => {
        b.identityKey = Buffer.from(mitm.identityKey).toString('base64');
      }),
    });
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
    const bob = await newUser(relay.url);
    const alice = await newUser(relay.url, undefined, {
      fetch: bundleRewriter((b) => {
        for (const d of b.devices) {
          const sig = Buffer.from(d.signedPreKey.signature, 'base64');
          sig[5]! ^= 0x01;
          d.signedPreKey.signature = sig.toString('base64');
        }
      }),
    });
    await alice.m.addContact('bob', bob.m.address);
    await bob.m.addContact('alice', alice.m.address);
    const shown: string[] = [];
    bob.m.on('message', (e) => shown.push(e.entry.text));
    await bob.m.connect();
    await alice.m.connect();
    const errors: MessengerEvents['error'][] = [];
    alice.m.on('error', (e) => errors.push(e));
    await alice.m.send('bob', 'over a forged bundle');
    // BadBundle is not permanent (an honest relay may serve a good bundle later): the outbox keeps
    // the message and retries, reporting the typed error each time; nothing reaches bob.
    await eventually(() => errors.length >= 1);
    assert.ok(
      errors.every((e) => e.code === 'BadBundle'),
      `typed BadBundle, got ${errors.map((e) => e.code).join()}`,
    );
    assert.equal((await alice.m.history('bob', 10))[0]!.state, 'sending', 'never marked sent');
    assert.equal(
      (await alice.m.contact('bob')).trust,
      'verified',
      'a bad signature is not an identity change',
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(shown, []);
    await alice.m.close();
    await bob.m.close();
  });

  void it('an envelope delivered twice under the same id is shown once', async () => {
    const ws = interceptingWebSocket((f) => (f.type === 'deliver' ? [f, f] : [f]));
    const alice = await newUser(relay.url);
    const bob = await newUser(relay.url, undefined, { WebSocket: ws });
    await alice.m.addContact('bob', bob.m.address);
    await bob.m.addContact('alice', alice.m.address);
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
    const ws = interceptingWebSocket((f) => {
      if (f.type !== 'submitResult') return [f];
      forged++;
      return [
        f,
        {
          type: 'deliver',
          seq: 1_000_000 + forged,
          envelopeId: Uint8Array.from({ length: 16 }, (_, i) => i + forged),
          senderAccountId: bob.m.accountId,
          senderDeviceId: 1,
          serverTimestamp: Date.now(),
          envelopeType: 2,
          content: Uint8Array.from({ length: 120 }, (_, i) => (i * 7 + forged) & 0xff),
        },
      ];
    });
    const alice = await newUser(relay.url, undefined, { WebSocket: ws });
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
});
