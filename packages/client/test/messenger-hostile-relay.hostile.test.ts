// A relay that attacks the client: tampered, downgraded and relabelled envelopes, substituted
// identity keys in bundles. The secure outcome in every case: a typed error, nothing shown, no crash.
import { after, before, describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import type { DeliverFrame, FetchLike, Frame } from '@sotto/wire';
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

/** Applies `attack` to the first `count` DELIVER frames, passes everything else through. */
function attackFirst(count: number, attack: (d: DeliverFrame) => DeliverFrame) {
  let n = 0;
  return interceptingWebSocket((f: Frame) => {
    if (f.type !== 'deliver' || n >= count) return [f];
    n++;
    return [attack(f)];
  });
}

async function pair(bobWs: ReturnType<typeof interceptingWebSocket>) {
  const alice = await newUser(relay.url);
  const bob = await newUser(relay.url, undefined, { WebSocket: bobWs });
  await alice.m.connect();
  await alice.m.addContact('bob', bob.m.address);
  await bob.m.addContact('alice', alice.m.address);
  const errors: MessengerEvents['error'][] = [];
  const shown: string[] = [];
  bob.m.on('error', (e) => errors.push(e));
  bob.m.on('message', (e) => shown.push(e.entry.text));
  await bob.m.connect();
  return { alice, bob, errors, shown };
}

void describe('a hostile relay', () => {
  void it('flipped bits in a ciphertext: rejected with a typed error, not shown; later messages still decrypt', async () => {
    const ws = attackFirst(1, (d) => {
      const content = d.content.slice();
      content[content.length - 3]! ^= 0x01;
      return { ...d, content };
    });
    const { alice, bob, errors, shown } = await pair(ws);
    await (
      await alice.m.send('bob', 'tampered')
    ).accepted;
    await eventually(() => errors.length === 1);
    assert.equal(errors[0]!.code, 'DecryptFailed');
    assert.ok(errors[0]!.reason, 'the protocol reason is reported');
    await (
      await alice.m.send('bob', 'intact')
    ).accepted;
    await eventually(() => shown.length === 1);
    assert.deepEqual(shown, ['intact']);
    assert.deepEqual(
      (await bob.m.history('alice', 10)).map((h) => h.text),
      ['intact'],
    );
    await alice.m.close();
    await bob.m.close();
  });

  void it('truncated and extended ciphertexts are rejected', async () => {
    let n = 0;
    const ws = interceptingWebSocket((f) => {
      if (f.type !== 'deliver') return [f];
      n++;
      if (n === 1) return [{ ...f, content: f.content.subarray(0, f.content.length - 5) }];
      if (n === 2) return [{ ...f, content: Uint8Array.of(...f.content, 1, 2, 3) }];
      return [f];
    });
    const { alice, bob, errors, shown } = await pair(ws);
    await (
      await alice.m.send('bob', 'one')
    ).accepted;
    await (
      await alice.m.send('bob', 'two')
    ).accepted;
    await eventually(() => errors.length === 2);
    assert.ok(errors.every((e) => e.code === 'DecryptFailed'));
    await (
      await alice.m.send('bob', 'three')
    ).accepted;
    await eventually(() => shown.length === 1);
    assert.deepEqual(shown, ['three']);
    await alice.m.close();
    await bob.m.close();
  });

  void it('a downgraded message version is rejected', async () => {
    const ws = attackFirst(1, (d) => {
      const content = d.content.slice();
      content[0] = (2 << 4) | 2; // version 2 (pre-PQXDH, pre-Kyber)
      return { ...d, content };
    });
    const { alice, bob, errors, shown } = await pair(ws);
    await (
      await alice.m.send('bob', 'downgraded')
    ).accepted;
    await eventually(() => errors.length === 1);
    assert.equal(errors[0]!.code, 'DecryptFailed');
    assert.match(errors[0]!.reason ?? '', /Version|InvalidMessage/);
    assert.deepEqual(shown, []);
    await alice.m.close();
    await bob.m.close();
  });

  void it('a forged sender (envelope relabelled as from another contact) is rejected, not attributed', async () => {
    const carol = await newUser(relay.url);
    const ws = attackFirst(1, (d) => ({ ...d, senderAccountId: carol.m.accountId }));
    const alice = await newUser(relay.url);
    const bob = await newUser(relay.url, undefined, { WebSocket: ws });
    await alice.m.addContact('bob', bob.m.address);
    await bob.m.addContact('alice', alice.m.address);
    await bob.m.addContact('carol', carol.m.address);
    const errors: MessengerEvents['error'][] = [];
    bob.m.on('error', (e) => errors.push(e));
    await alice.m.connect();
    await bob.m.connect();
    await (
      await alice.m.send('bob', 'who am i')
    ).accepted;
    await eventually(() => errors.length === 1);
    assert.equal(errors[0]!.code, 'DecryptFailed');
    assert.equal((await bob.m.history('carol', 10)).length, 0);
    assert.equal((await bob.m.contact('carol')).trust, 'verified', 'no false identity-change alarm');
    await alice.m.close();
    await bob.m.close();
    await carol.m.close();
  });

  void it('an envelope type the client does not know is rejected', async () => {
    const ws = attackFirst(1, (d) => ({ ...d, envelopeType: 99 }));
    const { alice, bob, errors, shown } = await pair(ws);
    await (
      await alice.m.send('bob', 'odd type')
    ).accepted;
    await eventually(() => errors.length === 1);
    assert.equal(errors[0]!.code, 'DecryptFailed');
    assert.deepEqual(shown, []);
    await alice.m.close();
    await bob.m.close();
  });

  void it('a substituted identity key in a bundle: sending refused with IdentityChanged, verified contact flagged', async () => {
    const bob = await newUser(relay.url);
    const mitm = (await newUser(relay.url)).m; // a key the relay controls
    const evil: FetchLike = async (url, init) => {
      const res = await fetch(url, init);
      if (!/\/v1\/keys\/[0-9a-f-]{36}\//.test(url)) return res;
      const body = (await res.json()) as { identityKey: string };
      body.identityKey = Buffer.from(mitm.identityKey).toString('base64');
      return {
        status: res.status,
        headers: res.headers,
        json: () => Promise.resolve(body),
        arrayBuffer: () => Promise.reject(new Error('unused')),
      };
    };
    const alice = await newUser(relay.url, undefined, { fetch: evil });
    await alice.m.addContact('bob', bob.m.address);
    await alice.m.connect();
    const changed = nextEvent(alice.m, 'identityChanged');
    const sent = await alice.m.send('bob', 'secret');
    await assert.rejects(sent.accepted, (e: unknown) => MessengerError.is(e, 'IdentityChanged'));
    assert.deepEqual(await changed, { contact: 'bob', trust: 'verified-changed' });
    assert.equal((await alice.m.history('bob', 10))[0]!.state, 'failed');
    await assert.rejects(alice.m.send('bob', 'again'), (e: unknown) =>
      MessengerError.is(e, 'IdentityChanged'),
    );
    await alice.m.close();
    await bob.m.close();
    await mitm.close();
  });

  void it('a replayed envelope under a fresh envelope id is rejected, never shown twice', async () => {
    let first: DeliverFrame | undefined;
    const ws = interceptingWebSocket((f) => {
      if (f.type !== 'deliver') return [f];
      if (!first) {
        first = f;
        return [f];
      }
      const replay = { ...first, seq: f.seq, envelopeId: f.envelopeId.map((b) => b ^ 0xff) };
      return [f, replay];
    });
    const { alice, bob, errors, shown } = await pair(ws);
    await (
      await alice.m.send('bob', 'once')
    ).accepted;
    await eventually(() => shown.length === 1);
    await (
      await alice.m.send('bob', 'twice?')
    ).accepted;
    await eventually(() => shown.length === 2 && errors.length === 1);
    assert.deepEqual(shown, ['once', 'twice?']);
    assert.equal(errors[0]!.code, 'DecryptFailed');
    assert.equal((await bob.m.history('alice', 10)).length, 2);
    await alice.m.close();
    await bob.m.close();
  });

  void it('reordered envelopes all decrypt and history keeps the sending order', async () => {
    let held: Frame | undefined;
    const ws = interceptingWebSocket((f) => {
      if (f.type !== 'deliver') return [f];
      if (!held) {
        held = f;
        return [];
      }
      const out = [f, held];
      held = { type: 'pong', nonce: 0 };
      return out;
    });
    const { alice, bob, shown } = await pair(ws);
    await (
      await alice.m.send('bob', 'first')
    ).accepted;
    await (
      await alice.m.send('bob', 'second')
    ).accepted;
    await eventually(() => shown.length === 2);
    assert.deepEqual(shown, ['second', 'first'], 'delivered out of order');
    assert.deepEqual(
      (await bob.m.history('alice', 10)).map((h) => h.text),
      ['first', 'second'],
    );
    await alice.m.close();
    await bob.m.close();
  });

  void it('a dropped envelope corrupts nothing: later messages decrypt, and the sender never sees "delivered" for it', async () => {
    const ws = attackFirst(1, () => ({ type: 'pong', nonce: 0 }) as unknown as DeliverFrame);
    const alice = await newUser(relay.url);
    const bob = await newUser(relay.url, undefined, { WebSocket: ws });
    await alice.m.connect();
    await alice.m.addContact('bob', bob.m.address);
    await bob.m.addContact('alice', alice.m.address);
    const shown: string[] = [];
    bob.m.on('message', (e) => shown.push(e.entry.text));
    await bob.m.connect();
    await (
      await alice.m.send('bob', 'lost')
    ).accepted;
    await (
      await alice.m.send('bob', 'kept')
    ).accepted;
    await eventually(() => shown.length === 1);
    assert.deepEqual(shown, ['kept']);
    await eventually(async () => (await alice.m.history('bob', 10))[1]!.state === 'delivered');
    const states = (await alice.m.history('bob', 10)).map((h) => [h.text, h.state]);
    assert.deepEqual(states, [
      ['lost', 'sent'],
      ['kept', 'delivered'],
    ]);
    await alice.m.close();
    await bob.m.close();
  });

  void it('random and mutated ciphertexts only ever produce typed DecryptFailed errors (seeded fuzz)', async () => {
    let seed = 0x5eed;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const FUZZ = 40;
    let done = false;
    const ws = interceptingWebSocket((f) => {
      if (f.type !== 'deliver' || done) return [f];
      done = true;
      const out: Frame[] = [];
      for (let i = 0; i < FUZZ; i++) {
        const content =
          i % 2 === 0
            ? Uint8Array.from({ length: Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256))
            : f.content.map((b, j) =>
                j === Math.floor(rnd() * f.content.length) ? b ^ (1 + Math.floor(rnd() * 255)) : b,
              );
        const envelopeId = Uint8Array.from({ length: 16 }, () => Math.floor(rnd() * 256));
        out.push({ ...f, content, envelopeId, envelopeType: rnd() < 0.5 ? 2 : 3 });
      }
      out.push(f);
      return out;
    });
    const { alice, bob, errors, shown } = await pair(ws);
    await (
      await alice.m.send('bob', 'real one')
    ).accepted;
    await eventually(() => shown.length === 1 && errors.length === FUZZ, 20_000);
    assert.deepEqual(shown, ['real one']);
    assert.ok(errors.every((e) => e.code === 'DecryptFailed' && typeof e.reason === 'string'));
    await (
      await alice.m.send('bob', 'and after')
    ).accepted;
    await eventually(() => shown.length === 2);
    await alice.m.close();
    await bob.m.close();
  });
});
