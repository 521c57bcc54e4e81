// Per-connection limits: frame size, frame rate, auth timeout, slow readers, reconnect after drops.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import WebSocket from 'ws';
import { decodeFrame, encodeFrame, FRAME_TYPE } from '@sotto/wire';
import type { DeliverFrame, Frame } from '@sotto/wire';
import { PRE_AUTH_MAX_BYTES } from '../src/ws/ws-server.js';
import { envelopeId, registerUser, startTestRelay, waitFor } from './helpers/harness.js';
import type { TestRelay, TestUser } from './helpers/harness.js';

async function authedSocket(t: TestRelay, u: TestUser) {
  const ws = new WebSocket(t.url.replace('http', 'ws') + '/v1/ws');
  const frames: Frame[] = [];
  let code = 0;
  ws.on('message', (d: Buffer) => frames.push(decodeFrame(d)));
  ws.on('close', (c) => (code = c));
  ws.on('error', () => undefined);
  await new Promise((r) => ws.once('open', r));
  ws.send(encodeFrame({ type: 'auth', version: 1, accountId: u.accountId, deviceId: 1, secret: u.secret }));
  await waitFor(() => frames.some((f) => f.type === 'authOk'));
  return { ws, frames, code: () => code };
}

/** A WebSocket handshake by hand, up to the 101 answer: the socket then speaks frames we write. */
async function rawWebSocket(t: TestRelay) {
  const socket = net.connect({ port: t.relay.port, host: '127.0.0.1' });
  socket.on('error', () => undefined);
  let received = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
  socket.write(
    'GET /v1/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
  );
  await waitFor(() => received.includes('\r\n\r\n'));
  assert.ok(received.toString('latin1').startsWith('HTTP/1.1 101'), 'switching protocols');
  return { socket, received: () => received, headEnd: received.indexOf('\r\n\r\n') + 4 };
}

/** A masked binary frame header announcing `length` bytes, and `sent` of them: never finished. */
function unfinishedFrame(length: number, sent: number): Buffer {
  const header = Buffer.from([0x82, 0x80 | 126, length >> 8, length & 0xff, 1, 2, 3, 4]);
  return Buffer.concat([header, Buffer.alloc(sent)]);
}

/** A WebSocket spoken by hand (masked client frames), authenticated: to send frames ws would not. */
async function rawAuthedSocket(t: TestRelay, u: TestUser): Promise<net.Socket> {
  const { socket, received, headEnd } = await rawWebSocket(t);
  const auth = encodeFrame({
    type: 'auth',
    version: 1,
    accountId: u.accountId,
    deviceId: 1,
    secret: u.secret,
  });
  // A zero mask leaves the payload as it is (RFC 6455 §5.3); the length fits in 7 bits.
  socket.write(Buffer.concat([Buffer.from([0x82, 0x80 | auth.length, 0, 0, 0, 0]), auth]));
  // authOk is the first frame the relay sends: 0x82, a length byte, then the frame type.
  await waitFor(() => received().length > headEnd + 2);
  assert.equal(received()[headEnd + 2], FRAME_TYPE.authOk, 'authOk');
  return socket;
}

void describe('per-connection limits', () => {
  void it('closes a socket that sends a frame over maxFrameBytes (1009) and keeps serving others', async () => {
    const t = await startTestRelay({ maxFrameBytes: 4096 });
    try {
      const u = await registerUser(t);
      const s = await authedSocket(t, u);
      s.ws.send(new Uint8Array(5000));
      await waitFor(() => s.code() !== 0);
      assert.equal(s.code(), 1009);
      assert.equal(await t.anon.health(), 'ok');
    } finally {
      await t.close();
    }
  });

  void it('answers submits over the per-connection rate with RateLimited', async () => {
    const t = await startTestRelay({ submitsPerConnectionPerSecond: 5 });
    try {
      const a = await registerUser(t);
      const b = await registerUser(t);
      const s = await authedSocket(t, a);
      for (let i = 1; i <= 20; i++) {
        s.ws.send(
          encodeFrame({
            type: 'submit',
            requestId: i,
            recipient: b.accountId,
            envelopes: [
              {
                deviceId: 1,
                registrationId: b.registrationId,
                envelopeId: envelopeId(),
                envelopeType: 1,
                content: new Uint8Array(1),
              },
            ],
          }),
        );
      }
      await waitFor(
        () => s.frames.filter((f) => f.type === 'submitResult' || f.type === 'error').length === 20,
      );
      const limited = s.frames.filter((f) => f.type === 'error' && f.code === 'RateLimited');
      const accepted = s.frames.filter((f) => f.type === 'submitResult' && f.error === null);
      assert.ok(accepted.length >= 5 && accepted.length < 20, `accepted ${accepted.length}`);
      assert.equal(limited.length, 20 - accepted.length);
      s.ws.close();
    } finally {
      await t.close();
    }
  });

  void it('closes a connection that does not authenticate in time (4408)', async () => {
    const t = await startTestRelay({ authTimeoutSeconds: 1 });
    try {
      const ws = new WebSocket(t.url.replace('http', 'ws') + '/v1/ws');
      const frames: Frame[] = [];
      let code = 0;
      ws.on('message', (d: Buffer) => frames.push(decodeFrame(d)));
      ws.on('close', (c) => (code = c));
      await waitFor(() => code !== 0, 5000);
      assert.equal(code, 4408);
      assert.deepEqual(frames, [{ type: 'error', requestId: 0, code: 'AuthTimeout' }]);
    } finally {
      await t.close();
    }
  });

  void it('cuts off an unauthenticated socket that starts a large frame, without waiting for the auth timeout', async () => {
    const t = await startTestRelay({ authTimeoutSeconds: 60 });
    let s: net.Socket | undefined;
    try {
      ({ socket: s } = await rawWebSocket(t));
      let closed = false;
      s.on('close', () => (closed = true));
      // A frame announcing 60,000 bytes (under maxFrameBytes), never finished: before the fix, ws
      // buffered it until the auth timeout.
      s.write(unfinishedFrame(60_000, 2 * PRE_AUTH_MAX_BYTES));
      await waitFor(() => closed, 5000);
      assert.equal(await t.anon.health(), 'ok');
    } finally {
      s?.destroy();
      await t.close();
    }
  });

  void it('cuts the connections growing large frames once frames in progress pass maxFrameBytesInProgress', async () => {
    const t = await startTestRelay({ maxFrameBytes: 64 * 1024, maxFrameBytesInProgress: 128 * 1024 });
    const raw: net.Socket[] = [];
    try {
      const users = [];
      for (let i = 0; i < 4; i++) users.push(await registerUser(t));
      // Three authenticated connections each begin a 60,000-byte frame and stop short of its end.
      const closed: boolean[] = [];
      for (let i = 0; i < 3; i++) {
        const s = await rawAuthedSocket(t, users[i]!);
        raw.push(s);
        closed.push(false);
        s.on('close', () => (closed[i] = true));
        s.write(unfinishedFrame(60_000, 59_000));
        await new Promise((r) => setTimeout(r, 100));
      }
      // 3 × 59 KB > 128 KiB: the relay cut the largest holders until a quarter of the budget was free.
      await waitFor(() => closed.filter(Boolean).length >= 2, 5000, 'two connections cut');
      // A connection sending ordinary frames is not touched.
      const ok = await authedSocket(t, users[3]!);
      ok.ws.send(encodeFrame({ type: 'ping', nonce: 7 }));
      await waitFor(() => ok.frames.some((f) => f.type === 'pong'));
      assert.equal(ok.code(), 0);
      ok.ws.close();
    } finally {
      for (const s of raw) s.destroy();
      await t.close();
    }
  });

  void it('disconnects a reader that stops reading once its queued bytes pass the limit', async () => {
    // More than the kernel's socket buffers can absorb (they autotune to several MB on loopback).
    const N = 300;
    const t = await startTestRelay(
      { maxBufferedBytesPerConnection: 64 * 1024 },
      { slowReaderMs: 500, inFlightWindow: N },
    );
    try {
      const a = await registerUser(t);
      const b = await registerUser(t);
      const s = await authedSocket(t, b);
      // Stop reading: the kernel buffers fill, then the relay's userland queue grows.
      (s.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const big = new Uint8Array(60 * 1024);
      for (let i = 0; i < N; i += 20) {
        await Promise.all(
          Array.from({ length: 20 }, () =>
            a.client.submit(b.accountId, [
              {
                deviceId: 1,
                registrationId: b.registrationId,
                envelopeId: envelopeId(),
                envelopeType: 1,
                content: big,
              },
            ]),
          ),
        );
      }
      // Wait (still paused) until the relay gave up on the session, then read what it sent.
      const authenticated = async () =>
        /sotto_relay_ws_authenticated (\d+)/.exec(await (await fetch(`${t.url}/metrics`)).text())?.[1];
      for (let i = 0; i < 500 && (await authenticated()) !== '0'; i++)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(await authenticated(), '0', 'slow reader disconnected while paused');
      (s.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      await waitFor(() => s.code() !== 0, 10_000, 'slow reader closed');
      // Usually the client then reads ERROR SlowConsumer and the 4503 close; on a starved machine the
      // relay's 5 s close-handshake grace may expire first and the TCP connection is cut (1006).
      if (s.code() !== 1006) {
        assert.equal(s.code(), 4503);
        assert.ok(s.frames.some((f) => f.type === 'error' && f.code === 'SlowConsumer'));
      }
      // Nothing was acked, so everything is still there for the next connection.
      const got: DeliverFrame[] = [];
      const c = b.client.connect({ onDeliver: (d) => void got.push(d) });
      try {
        await waitFor(() => got.length === N, 10_000, 'redelivery of everything');
      } finally {
        c.close(); // else its reconnect loop keeps the file alive until the runner's timeout
      }
    } finally {
      await t.close();
    }
  });

  void it('reconnects after a dropped socket and redelivers unacked envelopes', async () => {
    const t = await startTestRelay();
    try {
      const a = await registerUser(t);
      const b = await registerUser(t);
      const got: DeliverFrame[] = [];
      const opens: boolean[] = [];
      const conn = b.client.connect(
        { onDeliver: (d) => void got.push(d), onOpen: (i) => opens.push(i.reconnect) },
        { minDelayMs: 10, maxDelayMs: 50 },
      );
      await conn.ready;
      await a.client.submit(b.accountId, [
        {
          deviceId: 1,
          registrationId: b.registrationId,
          envelopeId: envelopeId(),
          envelopeType: 1,
          content: new Uint8Array([7]),
        },
      ]);
      await waitFor(() => got.length === 1);
      conn.socket!.close(); // a network drop, not conn.close()
      await waitFor(() => opens.length === 2, 5000, 'reconnect');
      assert.deepEqual(opens, [false, true]);
      await waitFor(() => got.length === 2, 5000, 'redelivery');
      assert.deepEqual(got[1]!.envelopeId, got[0]!.envelopeId);
      conn.ack(got[1]!.seq);
      conn.close();
    } finally {
      await t.close();
    }
  });
});
