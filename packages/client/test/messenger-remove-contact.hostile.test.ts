// Removing a contact removes its trusted identity key (as accepting a contact's move to a new account
// forgets the old one). Whatever was still queued for it (a text written offline, a delivery
// receipt) must then never be sent: with no key left to check against, a bundle would be trusted on
// first use, and the relay chooses the bundle. Here the relay serves another user's genuine, validly
// signed bundle as the removed contact's.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { RelayClient, toBase64, type FetchLike } from '@sotto/wire';
import type { BundleRule } from '@sotto/testkit/hostile-relay';
import type { MessengerContext } from '../src/messenger/context.js';
import { systemClock, systemRandomness } from '../src/messenger/environment.js';
import { MessengerError } from '../src/messenger/errors.js';
import { Messenger } from '../src/messenger/messenger.js';
import { LocalState } from '../src/messenger/local-state.js';
import { enqueueReceipt } from '../src/messenger/outbox.js';
import {
  baseOptions,
  eventually,
  newUser,
  nextEvent,
  suiteHostileRelay,
  tracked,
  type TestUser,
} from './messenger-harness.js';

const relay = suiteHostileRelay();

/** Serves `impostor`'s real bundle (identity key, signed prekeys, one-time prekeys) as `victim`'s. */
async function serveBundleAs(victim: string, impostor: TestUser): Promise<BundleRule> {
  const account = (await new LocalState(impostor.store).account())!;
  const client = new RelayClient({
    url: relay.url,
    credentials: { accountId: account.accountId, deviceId: account.deviceId, secret: account.deviceSecret },
  });
  const b = await client.getBundles(account.accountId);
  return (json, target) => {
    if (target.accountId !== victim) return;
    json.identityKey = toBase64(b.identityKey);
    json.devices = b.devices.map((d) => ({
      deviceId: d.deviceId,
      registrationId: d.registrationId,
      signedPreKey: {
        keyId: d.signedPreKey.keyId,
        publicKey: toBase64(d.signedPreKey.publicKey),
        signature: toBase64(d.signedPreKey.signature),
      },
      preKey: d.preKey ? { keyId: d.preKey.keyId, publicKey: toBase64(d.preKey.publicKey) } : null,
      kyberPreKey: {
        keyId: d.kyberPreKey.keyId,
        publicKey: toBase64(d.kyberPreKey.publicKey),
        signature: toBase64(d.kyberPreKey.signature),
        lastResort: d.kyberPreKey.lastResort,
      },
    }));
  };
}

/** Bob re-registers: a new account and identity that takes over his username. */
async function reRegister(old: TestUser, username: string): Promise<TestUser> {
  await old.m.deleteUsername();
  await old.m.close();
  return newUser(relay.url, username);
}

/** Envelopes the relay delivered to `accountId` so far. */
function deliveredTo(accountId: string): number {
  return relay.hostile.seen.filter(
    (s) => s.dir === 'toClient' && s.accountId === accountId && s.frame.type === 'deliver',
  ).length;
}

/** `p`, or a rejection after `ms` (so a promise left pending fails the test instead of hanging it). */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The identity key alice's store trusts for `accountId`, if any. */
async function trusted(store: TestUser['store'], accountId: string): Promise<Uint8Array | undefined> {
  return new LocalState(store).identity(accountId);
}

void describe('removing a contact with messages still queued for it', () => {
  void it('a text written offline is not sent after the contact is removed, whatever bundle the relay serves', async () => {
    const bob = await newUser(relay.url);
    const mallory = await newUser(relay.url);
    let offline = false;
    const unplugged: FetchLike = (url, init) =>
      offline ? Promise.reject(new Error('network is down')) : fetch(url, init);
    const alice = await newUser(relay.url, undefined, { fetch: unplugged });
    await alice.m.addContact('bob', bob.m.address); // pinned: verified
    const bobAccount = bob.m.accountId;

    offline = true;
    const sent = await alice.m.send('bob', 'the secret plan');
    await alice.m.flushOutbox();
    assert.equal(await alice.m.pending(), 1, 'still queued');

    const states: string[] = [];
    alice.m.on('delivery', (e) => states.push(`${e.contact}:${e.state}`));
    const identityEvents: string[] = [];
    alice.m.on('identityChanged', (e) => identityEvents.push(e.contact));
    await alice.m.removeContact('bob');
    await assert.rejects(within(sent.accepted, 2000), (e: unknown) => MessengerError.is(e, 'UnknownContact'));
    assert.deepEqual(states, ['bob:failed']);
    assert.equal(await alice.m.pending(), 0);
    assert.deepEqual(await alice.store.list('o/'), [], 'nothing left in the outbox');

    // The relay now serves Mallory's genuine bundle as Bob's; the network comes back.
    relay.hostile.bundles(await serveBundleAs(bobAccount, mallory));
    offline = false;
    await alice.m.connect();
    await alice.m.flushOutbox();
    assert.equal(await trusted(alice.store, bobAccount), undefined, 'no key trusted for the removed account');
    assert.deepEqual(identityEvents, []);
    await bob.m.connect();
    await bob.m.whenQueueEmpty();
    assert.equal(deliveredTo(bobAccount), 0, 'nothing was sent to bob, under any key');

    // Bob's real address can be added back (nothing was pinned in between).
    relay.honest();
    assert.equal((await alice.m.addContact('bob', bob.m.address)).trust, 'verified');
    await alice.m.close();
    await bob.m.close();
    await mallory.m.close();
  });

  void it('delivery receipts still queued for the contact are dropped with it', async () => {
    const bob = await newUser(relay.url);
    const alice = await newUser(relay.url);
    await alice.m.addContact('bob', bob.m.address);
    // A receipt queued as the receiver queues it (alice is offline, so it stays queued).
    const ctx = { clock: systemClock, random: systemRandomness } as unknown as MessengerContext;
    const state = new LocalState(alice.store);
    enqueueReceipt(ctx, state, bob.m.accountId, [new Uint8Array(16).fill(7)]);
    await state.commit();
    assert.equal((await alice.store.list('o/')).length, 1);

    await alice.m.removeContact('bob');
    assert.deepEqual(await alice.store.list('o/'), []);
    await alice.m.close();
    await bob.m.close();
  });

  void it('an outbox entry left for an account that is no contact (an older store) fails for good and trusts no key', async () => {
    const bob = await newUser(relay.url);
    const mallory = await newUser(relay.url);
    const alice = await newUser(relay.url);
    await alice.m.close();
    // As removeContact left things before it dropped the outbox: a receipt for bob, no contact, no key.
    const ctx = { clock: systemClock, random: systemRandomness } as unknown as MessengerContext;
    const state = new LocalState(alice.store);
    enqueueReceipt(ctx, state, bob.m.accountId, [new Uint8Array(16).fill(7)]);
    await state.commit();

    relay.hostile.bundles(await serveBundleAs(bob.m.accountId, mallory));
    const again = tracked(await Messenger.open(baseOptions(alice.store)));
    const errors: string[] = [];
    again.on('error', (e) => errors.push(e.code));
    await again.connect();
    await again.flushOutbox();
    await eventually(async () => (await alice.store.list('o/')).length === 0);
    assert.ok(errors.includes('UnknownContact'), `a typed UnknownContact, got ${errors.join()}`);
    assert.equal(await trusted(alice.store, bob.m.accountId), undefined);
    await bob.m.connect();
    await bob.m.whenQueueEmpty();
    assert.equal(deliveredTo(bob.m.accountId), 0);
    await again.close();
    await bob.m.close();
    await mallory.m.close();
  });

  void it('a contact removed while its bundle is being fetched: the bundle is not trusted', async () => {
    const bob = await newUser(relay.url);
    let bundleAsked!: () => void;
    const asked = new Promise<void>((r) => (bundleAsked = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const gated: FetchLike = async (url, init) => {
      if (String(url).includes(`/v1/keys/${bob.m.accountId}/`)) {
        bundleAsked();
        await released;
      }
      return fetch(url, init);
    };
    const alice = await newUser(relay.url, undefined, { fetch: gated });
    await alice.m.addContact('bob', bob.m.address);
    const sent = await alice.m.send('bob', 'in flight');
    sent.accepted.catch(() => undefined);
    await asked; // the outbox checked the contact and is waiting for the bundle
    await alice.m.removeContact('bob');
    release();
    await alice.m.flushOutbox();
    assert.equal(await trusted(alice.store, bob.m.accountId), undefined, 'the late bundle was not trusted');
    assert.deepEqual(await alice.store.list('s/'), [], 'no session was started');
    await bob.m.connect();
    await bob.m.whenQueueEmpty();
    assert.equal(deliveredTo(bob.m.accountId), 0);
    await alice.m.close();
    await bob.m.close();
  });
});

void describe('accepting a contact that moved to a new account', () => {
  void it('a text still queued for the old account becomes failed (never sent there) and can be retried to the new one', async () => {
    // Bundles cannot be fetched for a while (the rest of the relay answers, the sender lookup too).
    let offline = false;
    const noBundles: FetchLike = (url, init) =>
      offline && String(url).includes('/v1/keys/')
        ? Promise.reject(new Error('network is down'))
        : fetch(url, init);
    const alice = await newUser(relay.url, 'alice_rc5', { fetch: noBundles });
    const bob = await newUser(relay.url, 'bob_rc5');
    await alice.m.addContact('bob', '@bob_rc5');
    const oldBob = bob.m.accountId;
    const bob2 = await reRegister(bob, 'bob_rc5');
    await bob2.m.addContact('alice', alice.m.address);

    // Written before the change is known; with no bundle to start a session, it stays queued.
    offline = true;
    const sent = await alice.m.send('bob', 'queued for the old account');
    sent.accepted.catch(() => undefined);
    await alice.m.flushOutbox();
    await alice.m.connect(); // bob2's message arrives and is held
    const changed = nextEvent(alice.m, 'identityChanged');
    await (
      await bob2.m.send('alice', 'new phone')
    ).accepted;
    await changed;
    assert.equal(await alice.m.pending(), 1);

    const failed = nextEvent(alice.m, 'delivery', (e) => e.id === sent.id && e.state === 'failed');
    const accepted = await alice.m.acceptIdentity('bob');
    assert.equal(accepted.accountId, bob2.m.accountId);
    assert.deepEqual(await failed, { contact: 'bob', id: sent.id, state: 'failed' });
    await assert.rejects(sent.accepted, (e: unknown) => MessengerError.is(e, 'IdentityChanged'));
    assert.equal(await alice.m.pending(), 0);
    offline = false;
    await alice.m.flushOutbox();
    assert.equal(
      await new LocalState(alice.store).identity(oldBob),
      undefined,
      'the old account is not trusted again',
    );
    const history = await alice.m.history('bob', 10);
    assert.deepEqual(
      history.map((h) => [h.text, h.state]),
      [
        ['queued for the old account', 'failed'],
        ['new phone', 'received'],
      ],
    );

    await bob2.m.connect();
    const got = nextEvent(bob2.m, 'message', (e) => e.entry.text === 'queued for the old account');
    await (
      await alice.m.retry('bob', sent.id)
    ).accepted;
    await got;
    await alice.m.close();
    await bob2.m.close();
  });
});
