// What a relay that records everything it forwards learns from the envelopes themselves: receipts
// look like texts (same envelope type, same padded size), text lengths show only as 160-byte padding
// buckets, and the recorded ciphertexts stay unreadable even with the recipient's state taken later.
// The hostile proxy's `seen` log is exactly what the relay received and sent.
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { encodeFrame } from '@sotto/wire';
import type { DeliverFrame, SubmitFrame } from '@sotto/wire';
import { replayAs } from '@sotto/testkit/hostile-relay';
import { Messenger } from '../src/messenger/messenger.js';
import { MemoryKv } from '../src/messenger/kv.js';
import type { MessengerEvents } from '../src/messenger/events.js';
import {
  baseOptions,
  contactsPair,
  eventually,
  newUser,
  suiteHostileRelay,
  tracked,
} from './messenger-harness.js';

const relay = suiteHostileRelay();

/** Submits `accountId` sent through the relay, from the proxy's log, from index `from` on. */
function submitsFrom(accountId: string, from = 0): SubmitFrame[] {
  return relay.hostile.seen
    .slice(from)
    .filter((s) => s.dir === 'toRelay' && s.accountId === accountId && s.frame.type === 'submit')
    .map((s) => s.frame as SubmitFrame);
}

async function contacts() {
  const { alice, bob } = await contactsPair(relay.url);
  // First exchange both ways: later envelopes are ordinary ratchet messages (no PreKey header).
  await (
    await alice.m.send('bob', 'hello')
  ).accepted;
  await eventually(async () => (await alice.m.history('bob', 10))[0]!.state === 'delivered');
  await (
    await bob.m.send('alice', 'hi')
  ).accepted;
  await eventually(async () => (await bob.m.history('alice', 10))[1]!.state === 'delivered');
  return { alice, bob };
}

void describe('what the relay sees', () => {
  void it('the frames on the wire carry no message text, link host or contact name', async () => {
    const alice = await newUser(relay.url);
    const bob = await newUser(relay.url);
    const mark = relay.hostile.seen.length;
    await alice.m.addContact('Zyzzyva Quintessa', bob.m.address);
    await bob.m.addContact('Xanthippe Marlowe', alice.m.address);
    await alice.m.connect();
    await bob.m.connect();
    const text = 'meet at the Quokka Pavilion, map: https://needle-host.example/route';
    await (
      await alice.m.send('Zyzzyva Quintessa', text)
    ).accepted;
    await eventually(async () => (await bob.m.history('Xanthippe Marlowe', 10)).length === 1);
    await (
      await bob.m.send('Xanthippe Marlowe', 'see you at the Quokka Pavilion')
    ).accepted;
    await eventually(async () => (await alice.m.history('Zyzzyva Quintessa', 10)).length === 2);
    // Every frame both ways, as bytes on the wire (the proxy decoded them; the codec is canonical).
    const wire = relay.hostile.seen.slice(mark).map((s) => Buffer.from(encodeFrame(s.frame)));
    assert.ok(wire.length >= 4, 'frames were recorded');
    const needles = ['Quokka Pavilion', 'needle-host', 'Zyzzyva', 'Xanthippe'];
    const found = (frames: Buffer[], needle: string) =>
      frames.some((b) => b.includes(needle, 0, 'utf8') || b.includes(needle, 0, 'utf16le'));
    for (const n of needles) assert.equal(found(wire, n), false, `"${n}" is on the wire`);
    // Control: the same scan finds the text in a frame that carries it in clear.
    const clear = encodeFrame({
      type: 'submit',
      requestId: 1,
      recipient: bob.m.accountId,
      envelopes: [
        {
          deviceId: 1,
          registrationId: 1,
          envelopeId: new Uint8Array(16),
          envelopeType: 1,
          content: new TextEncoder().encode(text),
        },
      ],
    });
    assert.equal(found([Buffer.from(clear)], 'Quokka Pavilion'), true);
    await alice.m.close();
    await bob.m.close();
  });

  void it('receipts travel as the same envelope type and padded size as short texts', async () => {
    const { alice, bob } = await contacts();
    const mark = relay.hostile.seen.length;
    for (const text of ['one', 'two', 'three']) await (await alice.m.send('bob', text)).accepted;
    await eventually(async () =>
      (await alice.m.history('bob', 10)).every((h) => h.direction === 'in' || h.state === 'delivered'),
    );
    const receipts = submitsFrom(bob.m.accountId, mark).flatMap((s) => s.envelopes);
    assert.ok(receipts.length >= 1, 'bob sent receipts for the three texts');
    const mark2 = relay.hostile.seen.length;
    await (
      await bob.m.send('alice', 'thanks, all three arrived')
    ).accepted;
    const texts = submitsFrom(bob.m.accountId, mark2).flatMap((s) => s.envelopes);
    assert.equal(texts.length, 1);
    const shape = (e: SubmitFrame['envelopes'][number]) => [e.envelopeType, e.content.length];
    for (const r of receipts) assert.deepEqual(shape(r), shape(texts[0]!), 'a receipt looks like a text');
    await alice.m.close();
    await bob.m.close();
  });

  void it('text lengths reach the relay only as 160-byte padding buckets', async () => {
    const { alice, bob } = await contacts();
    const sizes = new Map<number, number>();
    // Inner content is a 30-byte header plus the text; padding adds 0x80 and fills to 160n bytes.
    for (const n of [1, 60, 129, 130, 200, 289, 290, 449, 450]) {
      const mark = relay.hostile.seen.length;
      await (
        await alice.m.send('bob', 'x'.repeat(n))
      ).accepted;
      const [env] = submitsFrom(alice.m.accountId, mark).flatMap((s) => s.envelopes);
      sizes.set(n, env!.content.length);
    }
    const size = (n: number) => sizes.get(n)!;
    assert.equal(size(1), size(60), '1 and 60 characters look the same');
    assert.equal(size(1), size(129), 'up to 129 characters fill the first 160 bytes');
    assert.equal(size(130) - size(1), 160, 'one more character costs a whole bucket');
    assert.equal(size(130), size(289));
    assert.equal(size(290) - size(130), 160);
    assert.equal(size(449), size(290));
    assert.equal(size(450) - size(290), 160);
    assert.equal(new Set(sizes.values()).size, 4, `four buckets: ${JSON.stringify([...sizes])}`);
    await alice.m.close();
    await bob.m.close();
  });

  void it("recorded ciphertexts cannot be decrypted with the recipient's state taken after it read them", async () => {
    const { alice, bob } = await contacts();
    const mark = relay.hostile.seen.length;
    for (const text of ['past one', 'past two']) await (await alice.m.send('bob', text)).accepted;
    await eventually(async () => (await bob.m.history('alice', 10)).length === 4);
    const recorded = relay.hostile.seen
      .slice(mark)
      .filter((s) => s.dir === 'toClient' && s.accountId === bob.m.accountId && s.frame.type === 'deliver')
      .map((s) => s.frame as DeliverFrame)
      .filter((d) => d.senderAccountId === alice.m.accountId);
    // Both texts plus alice's receipt for bob's "hi" (which may travel with them).
    assert.ok(recorded.length >= 2);
    await bob.m.close();
    // The whole device state (sessions, keys) as it is after reading: a later compromise.
    const stolen = new MemoryKv();
    for (const [k, v] of bob.store.map) stolen.map.set(k, v.slice());
    const thief = tracked(await Messenger.open(baseOptions(stolen)));
    const errors: MessengerEvents['error'][] = [];
    const shown: string[] = [];
    thief.on('error', (e) => errors.push(e));
    thief.on('message', (e) => shown.push(e.entry.text));
    await thief.connect();
    const conn = relay.hostile.connections.filter((c) => c.accountId === bob.m.accountId).at(-1)!;
    // Replayed under fresh ids, so "already seen" cannot be why they are not shown.
    recorded.forEach((d, i) => conn.toClient(replayAs(d, 1_000_000 + i)));
    await eventually(() => errors.length === recorded.length);
    assert.ok(
      errors.every((e) => e.code === 'DecryptFailed'),
      errors.map((e) => e.code).join(),
    );
    assert.deepEqual(shown, []);
    await thief.close();
    await alice.m.close();
  });
});
