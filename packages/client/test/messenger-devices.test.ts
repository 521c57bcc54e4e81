import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { Messenger } from '../src/messenger/messenger.js';
import { MemoryKv } from '../src/messenger/kv.js';
import { MessengerError } from '../src/messenger/errors.js';
import { LocalState } from '../src/messenger/local-state.js';
import { createLinkRequest, openDeviceLink } from '../src/messenger/link-transfer.js';
import { baseOptions, eventually, newUser, nextEvent, suiteRelay, tracked } from './messenger-harness.js';

const relay = suiteRelay();

void describe('several devices', () => {
  void it('three devices: a contact reaches both of my devices, and what one sends is synced to the other', async () => {
    const a1 = await newUser(relay.url);
    const bob = await newUser(relay.url);
    await a1.m.connect();
    await bob.m.connect();
    const a2store = new MemoryKv();
    const a2 = tracked(
      await Messenger.link({ ...baseOptions(a2store), deviceLink: a1.m.exportDeviceLink() }),
    );
    assert.equal(a2.accountId, a1.m.accountId);
    assert.notEqual(a2.deviceId, a1.m.deviceId);
    assert.deepEqual(await a1.m.devices(), [1, 2]);
    await a2.connect();

    await a1.m.addContact('bob', bob.m.address);
    await a2.addContact('bob', bob.m.address);
    await bob.m.addContact('alice', a1.m.address);
    assert.equal((await a2.safetyNumber('bob')).digits, (await a1.m.safetyNumber('bob')).digits);

    // Bob → Alice: both of Alice's devices get it (Bob's client learns device 2 from the relay).
    const on1 = nextEvent(a1.m, 'message', (e) => e.entry.text === 'to both');
    const on2 = nextEvent(a2, 'message', (e) => e.entry.text === 'to both');
    await (
      await bob.m.send('alice', 'to both')
    ).accepted;
    await on1;
    await on2;

    // Alice's device 1 → Bob: Bob gets it once; device 2 gets the sync copy as an outgoing line.
    const atBob = nextEvent(bob.m, 'message', (e) => e.entry.text === 'from device 1');
    const synced = nextEvent(a2, 'message', (e) => e.entry.text === 'from device 1');
    await (
      await a1.m.send('bob', 'from device 1')
    ).accepted;
    await atBob;
    const s = await synced;
    assert.equal(s.entry.direction, 'out');
    assert.equal(s.contact, 'bob');
    await eventually(async () => (await bob.m.history('alice', 10)).length === 2);
    assert.deepEqual(
      (await a2.history('bob', 10)).map((h) => [h.direction, h.text]),
      [
        ['in', 'to both'],
        ['out', 'from device 1'],
      ],
    );
    await a1.m.close();
    await a2.close();
    await bob.m.close();
  });

  void it('links through a sealed code, lists the devices, and removes a lost one', async () => {
    const a1 = await newUser(relay.url, `linked_${Date.now() % 1_000_000}`);
    // The new device makes the request; the existing one seals the link to it; only the request opens it.
    const request = createLinkRequest();
    const sealed = a1.m.sealDeviceLinkFor(request.request);
    const a2 = tracked(
      await Messenger.link({ ...baseOptions(new MemoryKv()), deviceLink: openDeviceLink(sealed, request) }),
    );
    request.privateKey.fill(0);
    assert.equal(a2.accountId, a1.m.accountId);
    // The link carries no username; the new device asked the relay for it.
    assert.equal(a2.username, a1.m.username);
    assert.notEqual(a2.username, null);
    // A username changed on one device reaches the other when it next connects.
    const renamed = await a1.m.setUsername(`renamed_${Date.now() % 1_000_000}`);
    await a2.connect();
    await eventually(() => a2.username === renamed);
    assert.deepEqual(await a1.m.devices(), [1, 2]);
    assert.deepEqual(await a2.devices(), [1, 2]);

    const invalid = (e: unknown) => MessengerError.is(e) && e.code === 'InvalidArgument';
    await assert.rejects(a1.m.removeDevice(a1.m.deviceId), invalid);
    await assert.rejects(a1.m.removeDevice(0), invalid);
    await a1.m.removeDevice(a2.deviceId);
    assert.deepEqual(await a1.m.devices(), [1]);
    // The removed device is refused by the relay from then on.
    await assert.rejects(a2.devices(), (e: unknown) => MessengerError.is(e) && e.code === 'RelayRejected');
    await a1.m.close();
    await a2.close();
  });

  void it('a linked device gets the contact list of the other devices, with its trust, and can write at once', async () => {
    const tag = Date.now() % 1_000_000;
    const a1 = await newUser(relay.url, `sync_a_${tag}`);
    const bob = await newUser(relay.url, `sync_b_${tag}`);
    const carol = await newUser(relay.url, `sync_c_${tag}`);
    await a1.m.addContact('bob', bob.m.address); // by address: verified
    await a1.m.addContact('carol', `@sync_c_${tag}`); // by username: unverified
    await a1.m.connect();
    const a2 = tracked(
      await Messenger.link({ ...baseOptions(new MemoryKv()), deviceLink: a1.m.exportDeviceLink() }),
    );
    const added: string[] = [];
    a2.on('contactAdded', (e) => void added.push(e.contact));
    assert.deepEqual(await a2.contacts(), []);
    await a2.connect(); // sends the request; a1 (online) answers with its contacts
    await eventually(async () => (await a2.contacts()).length === 2);
    assert.deepEqual((await a2.contacts()).map((c) => [c.name, c.trust, c.username]).sort(), [
      ['bob', 'verified', `sync_b_${tag}`],
      ['carol', 'unverified', `sync_c_${tag}`],
    ]);
    assert.deepEqual(added.sort(), ['bob', 'carol']);
    assert.equal((await a2.safetyNumber('bob')).digits, (await a1.m.safetyNumber('bob')).digits);

    // The linked device writes to bob straight away; bob's reply reaches both of alice's devices.
    await bob.m.addContact('alice', a1.m.address);
    await bob.m.connect();
    const atBob = nextEvent(bob.m, 'message', (e) => e.entry.text === 'from the linked device');
    await (
      await a2.send('bob', 'from the linked device')
    ).accepted;
    await atBob;
    // And the first device records it as sent (a sync copy, for a contact it knows).
    await eventually(async () =>
      (await a1.m.history('bob', 10)).some(
        (h) => h.text === 'from the linked device' && h.direction === 'out',
      ),
    );
    await a1.m.close();
    await a2.close();
    await bob.m.close();
    await carol.m.close();
  });

  void it('a contacts request lost before it was sent goes out again on the next connect', async () => {
    const tag = Date.now() % 1_000_000;
    const a1 = await newUser(relay.url, `lost_a_${tag}`);
    const bob = await newUser(relay.url, `lost_b_${tag}`);
    await a1.m.addContact('bob', bob.m.address);
    await a1.m.connect();
    const kv = new MemoryKv();
    const a2 = tracked(await Messenger.link({ ...baseOptions(kv), deviceLink: a1.m.exportDeviceLink() }));
    // As if the process died between storing the device and queueing the request.
    const state = new LocalState(kv);
    const queued = (await state.outbox()).filter((o) => o.kind === 'sync');
    assert.equal(queued.length, 1);
    state.deleteOutbox(queued[0]!.id);
    await state.commit();
    assert.equal(await new LocalState(kv).contactsRequestAnswered(), false);
    await a2.connect();
    await eventually(async () => (await a2.contacts()).length === 1);
    assert.equal((await a2.contact('bob')).trust, 'verified');
    assert.equal(await new LocalState(kv).contactsRequestAnswered(), true);
    // Answered: the next connect sends nothing more.
    await a2.close();
    const again = tracked(await Messenger.open(baseOptions(kv)));
    await again.connect();
    await again.whenQueueEmpty();
    assert.deepEqual(
      (await new LocalState(kv).outbox()).filter((o) => o.kind === 'sync'),
      [],
    );
    await again.close();
    await a1.m.close();
    await bob.m.close();
  });
});
