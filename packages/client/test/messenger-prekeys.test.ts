import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { RelayClient } from '@sotto/wire';
import { DEFAULT_PREKEY_POLICY } from '../src/messenger/prekey-policy.js';
import type { Clock } from '../src/messenger/environment.js';
import {
  contactsPair,
  eventually,
  newUser,
  nextEvent,
  suiteRelay,
  TEST_POLICY,
} from './messenger-harness.js';

const relay = suiteRelay();

class ManualClock implements Clock {
  constructor(public t = Date.now()) {}
  now = (): number => this.t;
  schedule(delayMs: number, fn: () => void): () => void {
    const h = setTimeout(fn, delayMs);
    return () => clearTimeout(h);
  }
}

void describe('prekey lifecycle', () => {
  void it('publishes keys at creation and refills one-time keys when the relay runs low', async () => {
    const alice = await newUser(relay.url);
    const start = await alice.m.prekeyStatus();
    assert.equal(start.preKeys, TEST_POLICY.preKeyBatch);
    assert.equal(start.kyberPreKeys, TEST_POLICY.kyberBatch);
    assert.equal(start.signedPreKeyId, 1);
    assert.equal(start.kyberLastResortId, 1);

    // Someone drains the pool.
    const bob = await newUser(relay.url);
    const bobId = await bob.m.prekeyStatus(); // (just to be sure bob is registered)
    assert.ok(bobId.preKeys > 0);
    const drainer = new RelayClient({ url: relay.url }).withCredentials(
      (bob.m as unknown as { ctx: { relay: RelayClient } }).ctx.relay.credentials!,
    );
    for (let i = 0; i < TEST_POLICY.preKeyBatch - 1; i++) await drainer.getBundles(alice.m.accountId, 1);
    assert.ok((await alice.m.prekeyStatus()).preKeys < TEST_POLICY.preKeyMinimum);

    await alice.m.connect(); // checks counts on connect
    await eventually(async () => (await alice.m.prekeyStatus()).preKeys >= TEST_POLICY.preKeyBatch);
    await alice.m.close();
    await bob.m.close();
  });

  void it('rotates the signed prekey on schedule and still accepts first messages built on the old one', async () => {
    const clock = new ManualClock();
    const { alice, bob } = await contactsPair(relay.url, { alice: { clock }, connect: false });
    // Bob starts his session from the CURRENT bundle while Alice is offline…
    await bob.m.connect();
    await (
      await bob.m.send('alice', 'built on the old signed prekey')
    ).accepted;

    // …then a week passes and Alice rotates before reading it.
    clock.t += DEFAULT_PREKEY_POLICY.rotateAfterMs + 1;
    await alice.m.maintain();
    const rotated = await alice.m.prekeyStatus();
    assert.equal(rotated.signedPreKeyId, 2);
    assert.equal(rotated.kyberLastResortId, TEST_POLICY.kyberBatch + 2);

    const got = nextEvent(alice.m, 'message');
    await alice.m.connect();
    assert.equal((await got).entry.text, 'built on the old signed prekey');
    await alice.m.close();
    await bob.m.close();
  });
});
