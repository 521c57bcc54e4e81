// One account must not read, ack or delete another's mailbox, upload keys for it, or impersonate it.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import WebSocket from 'ws';
import { RelayError, basicAuthHeader, decodeFrame, encodeFrame } from '@sotto/wire';
import type { DeliverFrame, Frame } from '@sotto/wire';
import { envelopeId, makeKeys, registerUser, startTestRelay, waitFor } from './helpers/harness.js';
import type { TestRelay, TestUser } from './helpers/harness.js';

const rejectsWith = (p: Promise<unknown>, code: string) =>
  assert.rejects(p, (e: unknown) => RelayError.is(e) && e.code === code);

/** A raw socket that records frames, for sending hand-made AUTH frames. */
async function rawSocket(url: string) {
  const ws = new WebSocket(url.replace('http', 'ws') + '/v1/ws');
  const frames: Frame[] = [];
  let closeCode = 0;
  ws.on('message', (d: Buffer) => frames.push(decodeFrame(d)));
  ws.on('close', (c) => (closeCode = c));
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  return { ws, frames, closed: () => closeCode };
}

async function sendTo(from: TestUser, to: TestUser, text: string) {
  const r = await from.client.submit(to.accountId, [
    {
      deviceId: 1,
      registrationId: to.registrationId,
      envelopeId: envelopeId(),
      envelopeType: 1,
      content: new TextEncoder().encode(text),
    },
  ]);
  assert.equal(r.results[0]!.status, 'Accepted');
}

void describe('authentication and isolation', () => {
  let t: TestRelay;
  let alice: TestUser;
  let bob: TestUser;
  let mallory: TestUser;
  before(async () => {
    t = await startTestRelay();
    alice = await registerUser(t);
    bob = await registerUser(t);
    mallory = await registerUser(t);
  });
  after(async () => {
    await t.close();
  });

  void it('rejects HTTP requests with no, malformed, wrong-secret or wrong-device credentials', async () => {
    for (const authorization of [
      undefined,
      'Bearer x',
      'Basic !!!',
      basicAuthHeader({ ...bob.creds, secret: mallory.secret }),
      basicAuthHeader({ ...bob.creds, deviceId: 2 }),
      basicAuthHeader({ ...mallory.creds, accountId: bob.accountId }),
      'Basic ' + Buffer.from(`${bob.accountId}.1:`).toString('base64'),
    ]) {
      const res = await fetch(`${t.url}/v1/accounts/me`, { headers: authorization ? { authorization } : {} });
      assert.equal(res.status, 401, String(authorization));
      assert.equal(((await res.json()) as { error: string }).error, 'Unauthorized');
    }
  });

  void it("refuses an AUTH frame for another account's device, with the right secret for a different one", async () => {
    const s = await rawSocket(t.url);
    s.ws.send(
      encodeFrame({
        type: 'auth',
        version: 1,
        accountId: bob.accountId,
        deviceId: 1,
        secret: mallory.secret,
      }),
    );
    await waitFor(() => s.closed() !== 0, 5000, 'close');
    assert.equal(s.closed(), 4401);
    assert.deepEqual(s.frames, [{ type: 'error', requestId: 0, code: 'Unauthorized' }]);
  });

  void it('requires AUTH as the first frame and within the timeout', async () => {
    const s = await rawSocket(t.url);
    s.ws.send(encodeFrame({ type: 'ping', nonce: 1 }));
    await waitFor(() => s.closed() !== 0);
    assert.equal(s.closed(), 4401);
    assert.deepEqual(s.frames, [{ type: 'error', requestId: 0, code: 'AuthRequired' }]);
  });

  void it("never delivers bob's envelopes to mallory, and mallory's acks cannot delete them", async () => {
    await sendTo(alice, bob, 'for bob only');
    const seen: DeliverFrame[] = [];
    let done = false;
    const m = mallory.client.connect({
      onDeliver: (d) => void seen.push(d),
      onQueueEmpty: () => (done = true),
    });
    await waitFor(() => done);
    assert.equal(seen.length, 0);
    // Mallory acks every plausible seq of her own queue: that touches only her queue.
    m.ack(1_000_000, [1, 2, 3]);
    await new Promise((r) => setTimeout(r, 50));
    m.close();
    const got: DeliverFrame[] = [];
    let bobDone = false;
    const b = bob.client.connect({
      onDeliver: (d) => void got.push(d),
      onQueueEmpty: () => (bobDone = true),
    });
    await waitFor(() => bobDone);
    assert.deepEqual(
      got.map((d) => new TextDecoder().decode(d.content)),
      ['for bob only'],
    );
    b.close();
  });

  void it("cannot upload keys for another account or remove another account's device", async () => {
    // Keys go to the authenticated device only; signing with bob's key under mallory's login fails.
    await rejectsWith(mallory.client.uploadKeys(makeKeys(bob, 1)), 'InvalidSignature');
    assert.equal((await bob.client.keyCounts()).preKeys, 0);
    await rejectsWith(mallory.client.removeDevice(1), 'Forbidden');
    const res = await fetch(`${t.url}/v1/devices/1`, {
      method: 'DELETE',
      headers: { authorization: basicAuthHeader({ ...mallory.creds, accountId: bob.accountId }) },
    });
    assert.equal(res.status, 401);
    assert.deepEqual((await bob.client.whoami()).devices, [1]);
  });

  void it('stamps the authenticated sender, whatever the client might claim', async () => {
    const got: DeliverFrame[] = [];
    const b = bob.client.connect({ onDeliver: (d) => void got.push(d) });
    await b.ready;
    const m = mallory.client.connect();
    await m.ready;
    await m.submit(bob.accountId, [
      {
        deviceId: 1,
        registrationId: bob.registrationId,
        envelopeId: envelopeId(),
        envelopeType: 1,
        content: new Uint8Array([1]),
      },
    ]);
    await waitFor(() => got.some((d) => d.content.length === 1));
    const d = got.find((x) => x.content.length === 1)!;
    assert.equal(d.senderAccountId, mallory.accountId);
    b.ack(d.seq);
    b.close();
    m.close();
  });
});
