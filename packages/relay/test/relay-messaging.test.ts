import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { RelayError } from '@sotto/wire';
import type { DeliverFrame, SubmitEnvelope } from '@sotto/wire';
import { WS, envelopeId, registerUser, startTestRelay, waitFor } from './helpers/harness.js';
import type { TestRelay, TestUser } from './helpers/harness.js';

function env(to: TestUser, text: string, id = envelopeId()): SubmitEnvelope {
  return {
    deviceId: to.deviceId,
    registrationId: to.registrationId,
    envelopeId: id,
    envelopeType: 1,
    content: new TextEncoder().encode(text),
  };
}
const text = (d: DeliverFrame) => new TextDecoder().decode(d.content);

void describe('relay messaging over WebSocket', () => {
  let t: TestRelay;
  before(async () => {
    t = await startTestRelay();
  });
  after(async () => {
    await t.close();
  });

  void it('delivers a submitted envelope live, stamps the sender, and deletes it on ack', async () => {
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    const got: DeliverFrame[] = [];
    let emptied = 0;
    const bobConn = bob.client.connect({ onDeliver: (d) => void got.push(d), onQueueEmpty: () => emptied++ });
    await bobConn.ready;
    await waitFor(() => emptied === 1, 5000, 'QUEUE_EMPTY on an empty queue');
    const aliceConn = alice.client.connect();
    await aliceConn.ready;
    const result = await aliceConn.submit(bob.accountId, [env(bob, 'hi bob')]);
    assert.equal(result.error, null);
    assert.deepEqual(result.results, [{ deviceId: 1, status: 'Accepted' }]);
    await waitFor(() => got.length === 1, 5000, 'delivery');
    const d = got[0]!;
    assert.equal(text(d), 'hi bob');
    assert.equal(d.senderAccountId, alice.accountId);
    assert.equal(d.senderDeviceId, alice.deviceId);
    assert.equal(d.serverTimestamp, t.clock.t);
    bobConn.ack(d.seq);
    // After the ack, a new connection gets nothing.
    bobConn.close();
    await new Promise((r) => setTimeout(r, 50));
    const again: DeliverFrame[] = [];
    let empty2 = false;
    const c2 = bob.client.connect({
      onDeliver: (x) => void again.push(x),
      onQueueEmpty: () => (empty2 = true),
    });
    await waitFor(() => empty2, 5000, 'second drain');
    assert.equal(again.length, 0);
    c2.close();
    aliceConn.close();
  });

  void it('drains an offline queue in order, then QUEUE_EMPTY, and redelivers what was not acked', async () => {
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    const aliceConn = alice.client.connect();
    await aliceConn.ready;
    for (let i = 0; i < 250; i++) {
      const r = await aliceConn.submit(bob.accountId, [env(bob, `m${i}`)]);
      assert.equal(r.results[0]!.status, 'Accepted');
    }
    const got: DeliverFrame[] = [];
    let emptiedAt = -1;
    const conn = bob.client.connect({
      onDeliver: (d) => {
        got.push(d);
        // Ack only the first 200 (cumulatively, in batches of 50, as a client that persisted them).
        if (got.length % 50 === 0 && got.length <= 200) conn.ack(d.seq);
      },
      onQueueEmpty: () => (emptiedAt = got.length),
    });
    await waitFor(() => emptiedAt >= 0, 10_000, 'drain');
    assert.equal(got.length, 250);
    assert.equal(emptiedAt, 250);
    assert.deepEqual(
      got.map(text),
      Array.from({ length: 250 }, (_, i) => `m${i}`),
    );
    for (let i = 1; i < got.length; i++) assert.ok(got[i]!.seq > got[i - 1]!.seq);
    conn.close();
    await new Promise((r) => setTimeout(r, 50));
    const again: DeliverFrame[] = [];
    let done = false;
    const c2 = bob.client.connect({
      onDeliver: (d) => void again.push(d),
      onQueueEmpty: () => (done = true),
    });
    await waitFor(() => done, 5000, 'redelivery drain');
    assert.deepEqual(
      again.map(text),
      Array.from({ length: 50 }, (_, i) => `m${200 + i}`),
    );
    c2.close();
    aliceConn.close();
  });

  void it('bounds unacked pushes per connection to the in-flight window', async () => {
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    for (let i = 0; i < 130; i++) await alice.client.submit(bob.accountId, [env(bob, `w${i}`)]);
    const got: DeliverFrame[] = [];
    const conn = bob.client.connect({ onDeliver: (d) => void got.push(d) });
    await waitFor(() => got.length === 100, 5000, 'first window');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(got.length, 100, 'no more than 100 unacked');
    conn.ack(got[9]!.seq);
    await waitFor(() => got.length === 110, 5000, 'window reopens by 10');
    conn.ack(0, [got[10]!.seq]);
    await waitFor(() => got.length === 111, 5000, 'list ack reopens by 1');
    conn.close();
  });

  void it('absorbs a retried envelope id: accepted twice, stored and delivered once', async () => {
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    const id = envelopeId();
    const a = alice.client.connect();
    await a.ready;
    assert.equal((await a.submit(bob.accountId, [env(bob, 'once', id)])).results[0]!.status, 'Accepted');
    assert.equal((await a.submit(bob.accountId, [env(bob, 'once', id)])).results[0]!.status, 'Accepted');
    assert.equal(
      (await alice.client.submit(bob.accountId, [env(bob, 'once', id)])).results[0]!.status,
      'Accepted',
    );
    const got: DeliverFrame[] = [];
    let done = false;
    const b = bob.client.connect({ onDeliver: (d) => void got.push(d), onQueueEmpty: () => (done = true) });
    await waitFor(() => done);
    assert.equal(got.length, 1);
    a.close();
    b.close();
  });

  void it('rejects mismatched and stale device lists without storing anything', async () => {
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    const a = alice.client.connect();
    await a.ready;
    const extra = await a.submit(bob.accountId, [env(bob, 'x'), { ...env(bob, 'y'), deviceId: 5 }]);
    assert.equal(extra.error, 'MismatchedDevices');
    assert.deepEqual(extra.extraDevices, [5]);
    const stale = await a.submit(bob.accountId, [
      { ...env(bob, 'z'), registrationId: (bob.registrationId % 16000) + 1 },
    ]);
    assert.equal(stale.error, 'StaleDevices');
    assert.deepEqual(stale.staleDevices, [1]);
    const http = await alice.client.submit(bob.accountId, [{ ...env(bob, 'y'), deviceId: 2 }]);
    assert.equal(http.error, 'MismatchedDevices');
    assert.deepEqual(http.missingDevices, [1]);
    const nobody = await a.submit('00000000-0000-4000-8000-000000000000', [env(bob, 'x')]);
    assert.equal(nobody.error, 'AccountNotFound');
    let done = false;
    const got: DeliverFrame[] = [];
    const b = bob.client.connect({ onDeliver: (d) => void got.push(d), onQueueEmpty: () => (done = true) });
    await waitFor(() => done);
    assert.equal(got.length, 0);
    // Sending to one's own account: every device except the sender's (here: none besides itself).
    const self = await a.submit(alice.accountId, [env(alice, 'me')]);
    assert.equal(self.error, 'MismatchedDevices');
    assert.deepEqual(self.extraDevices, [1]);
    a.close();
    b.close();
  });

  void it('replaces an older connection of the same device and does not reconnect it', async () => {
    const bob = await registerUser(t);
    let closed: { code: number; final: boolean } | null = null;
    const first = bob.client.connect({ onClose: (c) => (closed = c) });
    await first.ready;
    const second = bob.client.connect();
    await second.ready;
    await waitFor(() => closed !== null, 5000, 'first closed');
    assert.equal(closed!.code, 4409);
    assert.equal(closed!.final, true);
    second.close();
  });

  void it('rejects a connection with a wrong secret as Unauthorized, without retrying', async () => {
    const bob = await registerUser(t);
    const bad = t.anon.withCredentials({ ...bob.creds, secret: new Uint8Array(32).fill(1) });
    const conn = bad.connect();
    await assert.rejects(conn.ready, (e: unknown) => RelayError.is(e, 'Unauthorized'));
  });
});

void describe('WS constructor', () => {
  void it('is the ws package', () => assert.equal(typeof WS, 'function'));
});
