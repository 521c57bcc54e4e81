import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FetchLike } from '@sotto/wire';
import { systemClock } from '../src/messenger/environment.js';
import { Messenger } from '../src/messenger/messenger.js';
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

void describe('the outbox', () => {
  void it('keeps a message written while offline across a restart and sends it on connect', async () => {
    let offline = false;
    const unplugged: FetchLike = (url, init) =>
      offline ? Promise.reject(new Error('network is down')) : fetch(url, init);
    const { alice, bob } = await contactsPair(relay.url, { alice: { fetch: unplugged }, connect: false });
    offline = true;
    const sent = await alice.m.send('bob', 'written offline');
    sent.accepted.catch(() => undefined);
    assert.equal(await alice.m.pending(), 1);
    await alice.m.close();

    const again = tracked(await Messenger.open(baseOptions(alice.store)));
    assert.equal((await again.history('bob', 10))[0]!.state, 'sending');
    const states: string[] = [];
    again.on('delivery', (e) => states.push(e.state));
    await again.connect();
    await bob.m.connect();
    await eventually(async () => (await bob.m.history('alice', 10)).length === 1);
    await eventually(() => states.includes('delivered'));
    assert.deepEqual(states, ['sent', 'delivered']);
    // 'sent' is emitted as soon as the contact's copy is accepted; the outbox entry is removed right
    // after, and a fast relay can bring the receipt back before that commit.
    await eventually(async () => (await again.pending()) === 0);
    await again.close();
    await bob.m.close();
  });

  void it(
    'keeps texts sent within one millisecond in the order they were sent, on both sides',
    { timeout: 30_000 },
    async () => {
      // A clock that does not move: every text gets the same reading. (They are still due at once:
      // only their sentAt is moved on, not when the outbox sends them.)
      const stopped = { ...systemClock, now: () => Date.UTC(2026, 10, 29, 12) };
      const { alice, bob } = await contactsPair(relay.url, { alice: { clock: stopped } });
      const texts = ['one', 'two', 'three', 'four', 'five', 'six'];
      const sent = [];
      for (const t of texts) sent.push(await alice.m.send('bob', t));
      await Promise.all(sent.map((s) => s.accepted));
      await eventually(async () => (await bob.m.history('alice', 10)).length === texts.length);
      const mine = await alice.m.history('bob', 10);
      assert.deepEqual(
        mine.map((e) => e.text),
        texts,
      );
      assert.deepEqual(
        (await bob.m.history('alice', 10)).map((e) => e.text),
        texts,
      );
      for (let i = 1; i < mine.length; i++)
        assert.ok(mine[i]!.sentAt > mine[i - 1]!.sentAt, 'distinct sentAt');
      await alice.m.close();
      await bob.m.close();
    },
  );

  void it('sends over HTTP without a WebSocket connection (sotto send)', async () => {
    const { alice, bob } = await contactsPair(relay.url, { connect: false });
    await (
      await alice.m.send('bob', 'no socket needed')
    ).accepted;
    assert.equal(alice.m.connection, 'offline');
    const got = nextEvent(bob.m, 'message');
    await bob.m.connect();
    assert.equal((await got).entry.text, 'no socket needed');
    await alice.m.close();
    await bob.m.close();
  });

  void it('retries with backoff through relay failures until the relay accepts', async () => {
    let failures = 0;
    const flaky: FetchLike = async (url, init) => {
      if (url.includes('/v1/keys/') && !url.endsWith('/count') && failures < 3) {
        failures++;
        throw new Error('connection reset');
      }
      return fetch(url, init);
    };
    const alice = await newUser(relay.url, undefined, { fetch: flaky });
    const bob = await newUser(relay.url);
    await alice.m.addContact('bob', bob.m.address);
    await alice.m.connect();
    const sentEvent = nextEvent(alice.m, 'delivery', (e) => e.state === 'sent');
    await (
      await alice.m.send('bob', 'eventually')
    ).accepted;
    await sentEvent;
    assert.equal(failures, 3);
    await bob.m.addContact('alice', alice.m.address);
    const got = nextEvent(bob.m, 'message');
    await bob.m.connect();
    assert.equal((await got).entry.text, 'eventually');
    await alice.m.close();
    await bob.m.close();
  });

  void it('never fetches a link it sends or receives (the relay is the only peer)', async () => {
    let hits = 0;
    const canary = createServer((_req, res) => {
      hits++;
      res.end('canary');
    });
    await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(canary.address() as AddressInfo).port}/c/${Date.now()}`;
    const { alice, bob } = await contactsPair(relay.url);
    const got = nextEvent(bob.m, 'message');
    await (
      await alice.m.send('bob', `look ${url} and www.${'example'}.com`)
    ).accepted;
    assert.ok((await got).entry.text.includes(url));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(hits, 0);
    await alice.m.close();
    await bob.m.close();
    await new Promise<void>((r) => canary.close(() => r()));
  });
  void it('flushOutbox sends the receipts for what was just received before a quick close', async () => {
    const { alice, bob } = await contactsPair(relay.url, { connect: false });
    for (const t of ['one', 'two', 'three']) await (await alice.m.send('bob', t)).accepted;
    // A receiver that connects, takes its backlog and leaves at once, as `sotto inbox` does.
    await bob.m.connect();
    await bob.m.whenQueueEmpty();
    await eventually(async () => (await bob.m.history('alice', 10)).length === 3);
    await bob.m.flushOutbox();
    await bob.m.close();
    await alice.m.connect();
    await eventually(async () => (await alice.m.history('bob', 10)).every((h) => h.state === 'delivered'));
    await alice.m.close();
  });
});

void describe('retrying a failed message', () => {
  void it('sends it again under the same id and sentAt; the receiver gets it once; only failed messages', async () => {
    let refuseKeys = true;
    const refusing: FetchLike = (url, init) =>
      refuseKeys && /\/v1\/keys\/[0-9a-f-]{36}\//.test(String(url))
        ? Promise.resolve(
            new Response('{"error":"AccountNotFound"}', {
              status: 404,
              headers: { 'content-type': 'application/json' },
            }),
          )
        : fetch(url, init);
    const { alice, bob } = await contactsPair(relay.url, { alice: { fetch: refusing } });
    const sent = await alice.m.send('bob', 'second time lucky');
    await assert.rejects(sent.accepted, { code: 'RelayRejected' });
    const [failed] = await alice.m.history('bob', 10);
    assert.equal(failed?.state, 'failed');
    assert.equal(await alice.m.pending(), 0);

    refuseKeys = false;
    const got = nextEvent(bob.m, 'message');
    const again = await alice.m.retry('bob', sent.id);
    assert.equal(again.id, sent.id);
    await again.accepted;
    assert.equal((await got).entry.text, 'second time lucky');
    await eventually(async () => (await alice.m.history('bob', 10))[0]?.state === 'delivered');
    const history = await alice.m.history('bob', 10);
    assert.equal(history.length, 1, 'the same entry, not a copy');
    assert.equal(history[0]?.sentAt, failed.sentAt);
    assert.equal((await bob.m.history('alice', 10)).length, 1);

    // Only a failed outgoing message of that conversation can be retried.
    await assert.rejects(alice.m.retry('bob', sent.id), { code: 'InvalidArgument' });
    await assert.rejects(alice.m.retry('bob', 'not-an-id'), { code: 'InvalidArgument' });
    await alice.m.close();
    await bob.m.close();
  });
});
