import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DeliverFrame, SubmitEnvelope } from '@sotto/wire';
import { envelopeId, registerUser, startTestRelay, waitFor } from './helpers/harness.js';
import type { TestRelay, TestUser } from './helpers/harness.js';

const env = (to: TestUser, n: number): SubmitEnvelope => ({
  deviceId: 1,
  registrationId: to.registrationId,
  envelopeId: envelopeId(),
  envelopeType: 1,
  content: new Uint8Array([n]),
});

async function drain(user: TestUser): Promise<number[]> {
  const got: DeliverFrame[] = [];
  let done = false;
  const c = user.client.connect({ onDeliver: (d) => void got.push(d), onQueueEmpty: () => (done = true) });
  await waitFor(() => done, 5000, 'drain');
  c.close();
  return got.map((d) => d.content[0]!);
}

void describe('mailbox lifecycle', () => {
  let t: TestRelay;
  before(async () => {
    t = await startTestRelay({ messageTtlSeconds: 3600, perDeviceQueueCap: 5, attachmentTtlSeconds: 600 });
  });
  after(async () => {
    await t.close();
  });

  void it('expires undelivered envelopes after the TTL (injected clock), keeping younger ones', async () => {
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    await alice.client.submit(bob.accountId, [env(bob, 1)]);
    t.clock.advance(1800_000);
    await alice.client.submit(bob.accountId, [env(bob, 2)]);
    t.clock.advance(1800_000);
    const swept = await t.relay.sweepNow();
    assert.ok(swept.envelopes >= 1);
    assert.deepEqual(await drain(bob), [2]);
  });

  void it('does not deliver an envelope past its expiry that the sweeper has not deleted yet', async () => {
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    await alice.client.submit(bob.accountId, [env(bob, 1)]);
    t.clock.advance(1800_000);
    await alice.client.submit(bob.accountId, [env(bob, 2)]);
    await alice.client.submit(bob.accountId, [env(bob, 3)]);
    t.clock.advance(1800_000); // the first is now exactly at its expiry; no sweep has run
    assert.deepEqual(await drain(bob), [2, 3]);
    t.clock.advance(1800_000);
    assert.deepEqual(await drain(bob), [], 'the later two, never acknowledged, have expired as well');
  });

  void it('reports QueueFull per device once the cap is reached, and accepts again after acks', async () => {
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    for (let i = 0; i < 5; i++) {
      assert.equal((await alice.client.submit(bob.accountId, [env(bob, i)])).results[0]!.status, 'Accepted');
    }
    const full = await alice.client.submit(bob.accountId, [env(bob, 5)]);
    assert.equal(full.error, null);
    assert.deepEqual(full.results, [{ deviceId: 1, status: 'QueueFull' }]);
    const got: DeliverFrame[] = [];
    const c = bob.client.connect({ onDeliver: (d) => void got.push(d) });
    await waitFor(() => got.length === 5);
    c.ack(got[4]!.seq);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await alice.client.submit(bob.accountId, [env(bob, 6)])).results[0]!.status, 'Accepted');
    c.close();
  });

  void it('stores attachments with random ids until they expire', async () => {
    const alice = await registerUser(t);
    const blob = new Uint8Array(5000).map((_, i) => i & 0xff);
    const a = await alice.client.uploadAttachment(blob);
    const b = await alice.client.uploadAttachment(blob);
    assert.match(a.attachmentId, /^[0-9a-f]{32}$/);
    assert.notEqual(a.attachmentId, b.attachmentId);
    assert.equal(a.expiresAt, t.clock.t + 600_000);
    const bob = await registerUser(t);
    assert.deepEqual(await bob.client.downloadAttachment(a.attachmentId), blob);
    t.clock.advance(600_001);
    await assert.rejects(bob.client.downloadAttachment(a.attachmentId), (e: unknown) =>
      Boolean(e && (e as { code?: string }).code === 'AttachmentNotFound'),
    );
    assert.ok((await t.relay.sweepNow()).attachments >= 2);
  });
});

void describe('attachment limits', () => {
  let t: TestRelay;
  before(async () => {
    t = await startTestRelay({ attachmentMaxBytes: 2048 });
  });
  after(async () => {
    await t.close();
  });

  void it('refuses an attachment over the size limit', async () => {
    const alice = await registerUser(t);
    await assert.rejects(alice.client.uploadAttachment(new Uint8Array(4096)), (e: unknown) =>
      Boolean(e && (e as { code?: string }).code === 'AttachmentTooLarge'),
    );
    assert.ok((await alice.client.uploadAttachment(new Uint8Array(2048))).attachmentId);
  });
});
