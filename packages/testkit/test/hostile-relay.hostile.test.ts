// The hostile-relay proxy itself, against a scripted fake relay: honest by default (HTTP and frames
// pass unchanged both ways), and each rule does exactly what it says — bundle rewrites, dropped,
// duplicated and forged frames, held frames released in order, raw bytes passed through.
import { strict as assert } from 'node:assert';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { decodeFrame, encodeFrame, toBase64 } from '@sotto/wire';
import type { DeliverFrame, Frame } from '@sotto/wire';
import {
  breakSignedPreKeySignature,
  falselyAccepted,
  flipBit,
  holdBack,
  onDeliver,
  startHostileRelay,
  substituteIdentityKey,
} from '../src/hostile-relay/index.js';
import type { HostileRelay } from '../src/hostile-relay/index.js';

const ACCOUNT = '11111111-2222-4333-8444-555555555555';
const BUNDLE = {
  accountId: ACCOUNT,
  identityKey: toBase64(new Uint8Array(33).fill(5)),
  devices: [
    {
      deviceId: 1,
      registrationId: 7,
      signedPreKey: {
        keyId: 1,
        publicKey: toBase64(new Uint8Array(33).fill(1)),
        signature: toBase64(new Uint8Array(64)),
      },
      preKey: null,
      kyberPreKey: {
        keyId: 1,
        publicKey: toBase64(new Uint8Array(8)),
        signature: toBase64(new Uint8Array(64)),
      },
    },
  ],
};

const deliver = (seq: number): DeliverFrame => ({
  type: 'deliver',
  seq,
  envelopeId: new Uint8Array(16).fill(seq),
  senderAccountId: ACCOUNT,
  senderDeviceId: 1,
  serverTimestamp: 1,
  envelopeType: 2,
  content: Uint8Array.of(0x33, seq, 1, 2, 3),
});

/** A scripted relay: answers AUTH with authOk, echoes pings, records what it got, pushes on demand. */
async function fakeRelay() {
  const received: Frame[] = [];
  const raw: Uint8Array[] = [];
  let peer: WebSocket | undefined;
  const server = createServer((req, res) => {
    if (req.url === `/v1/keys/${ACCOUNT}/1`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(BUNDLE));
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'text/plain', 'x-echo': req.method ?? '' });
      res.end(`${req.url ?? ''}|${body}`);
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    peer = ws;
    ws.on('message', (d: Buffer) => {
      try {
        const f = decodeFrame(new Uint8Array(d));
        received.push(f);
        if (f.type === 'auth') ws.send(encodeFrame({ type: 'authOk', serverTime: 1 }));
        if (f.type === 'ping') ws.send(encodeFrame({ type: 'pong', nonce: f.nonce }));
      } catch {
        raw.push(new Uint8Array(d));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    raw,
    push: (f: Frame) => peer!.send(encodeFrame(f)),
    pushRaw: (b: Uint8Array) => peer!.send(b),
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function client(proxy: HostileRelay) {
  const got: Frame[] = [];
  const raw: Uint8Array[] = [];
  const ws = new WebSocket(proxy.url.replace('http', 'ws') + '/v1/ws');
  ws.on('message', (d: Buffer) => {
    try {
      got.push(decodeFrame(new Uint8Array(d)));
    } catch {
      raw.push(new Uint8Array(d));
    }
  });
  await new Promise((r) => ws.once('open', r));
  ws.send(
    encodeFrame({ type: 'auth', version: 1, accountId: ACCOUNT, deviceId: 1, secret: new Uint8Array(32) }),
  );
  await until(() => got.some((f) => f.type === 'authOk'));
  return { ws, got, raw };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

let relay: Awaited<ReturnType<typeof fakeRelay>>;
let proxy: HostileRelay;
before(async () => {
  relay = await fakeRelay();
  proxy = await startHostileRelay(relay.url);
});
afterEach(() => {
  proxy.toClient(null);
  proxy.toRelay(null);
  proxy.bundles(null);
});
after(async () => {
  await proxy.close();
  await relay.close();
});

void describe('the hostile-relay proxy', () => {
  void it('is honest without rules: HTTP (method, path, body, status, headers) and frames pass unchanged both ways', async () => {
    const res = await fetch(proxy.url + '/v1/x?y=1', { method: 'PUT', body: 'hello' });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-echo'), 'PUT');
    assert.equal(await res.text(), '/v1/x?y=1|hello');
    assert.deepEqual(await (await fetch(`${proxy.url}/v1/keys/${ACCOUNT}/1`)).json(), BUNDLE);
    const c = await client(proxy);
    c.ws.send(encodeFrame({ type: 'ping', nonce: 9 }));
    await until(() => c.got.some((f) => f.type === 'pong'));
    relay.push(deliver(1));
    await until(() => c.got.some((f) => f.type === 'deliver'));
    assert.deepEqual(c.got.at(-1), deliver(1));
    const conn = proxy.connections.at(-1)!;
    assert.equal(conn.accountId, ACCOUNT, 'the connection is labelled by its AUTH frame');
    assert.ok(proxy.seen.some((s) => s.dir === 'toRelay' && s.frame.type === 'ping'));
    c.ws.close();
  });

  void it('rewrites bundles: substituted identity key, broken signed-prekey signature', async () => {
    proxy.bundles(substituteIdentityKey(new Uint8Array(33).fill(9)));
    const b1 = (await (await fetch(`${proxy.url}/v1/keys/${ACCOUNT}/1`)).json()) as typeof BUNDLE;
    assert.equal(b1.identityKey, toBase64(new Uint8Array(33).fill(9)));
    proxy.bundles(breakSignedPreKeySignature());
    const b2 = (await (await fetch(`${proxy.url}/v1/keys/${ACCOUNT}/1`)).json()) as typeof BUNDLE;
    assert.equal(b2.identityKey, BUNDLE.identityKey);
    assert.notEqual(b2.devices[0]!.signedPreKey.signature, BUNDLE.devices[0]!.signedPreKey.signature);
  });

  void it('drops, duplicates and tampers with pushed frames for the targeted account only', async () => {
    proxy.toClient(onDeliver(ACCOUNT, (d, n) => (n === 1 ? [] : n === 2 ? [d, d] : [flipBit(d, 0)])));
    const c = await client(proxy);
    for (const seq of [1, 2, 3]) relay.push(deliver(seq));
    await until(() => c.got.filter((f) => f.type === 'deliver').length === 3);
    const seqs = c.got.filter((f): f is DeliverFrame => f.type === 'deliver');
    assert.deepEqual(
      seqs.map((d) => d.seq),
      [2, 2, 3],
    );
    assert.equal(seqs[2]!.content[0], 0x33 ^ 1);
    proxy.toClient(onDeliver('someone-else', () => []));
    relay.push(deliver(4));
    await until(() => c.got.some((f) => f.type === 'deliver' && f.seq === 4));
    c.ws.close();
  });

  void it('holds frames back and releases them in the order they were held', async () => {
    let hold = true;
    const delay = holdBack(ACCOUNT, () => hold);
    proxy.toClient(delay.rule);
    const c = await client(proxy);
    relay.push(deliver(1));
    relay.push(deliver(2));
    await until(() => delay.held === 2);
    hold = false;
    relay.push(deliver(3));
    await until(() => c.got.some((f) => f.type === 'deliver'));
    delay.release();
    await until(() => c.got.filter((f) => f.type === 'deliver').length === 3);
    assert.deepEqual(
      c.got.filter((f): f is DeliverFrame => f.type === 'deliver').map((d) => d.seq),
      [3, 1, 2],
    );
    c.ws.close();
  });

  void it('swallows a submit and answers Accepted itself; passes undecodable bytes through untouched', async () => {
    proxy.toRelay((f, conn) => {
      if (f.type !== 'submit') return [f];
      conn.toClient(falselyAccepted(f));
      return [];
    });
    const c = await client(proxy);
    const before = relay.received.length;
    c.ws.send(
      encodeFrame({
        type: 'submit',
        requestId: 5,
        recipient: ACCOUNT,
        envelopes: [
          {
            deviceId: 1,
            registrationId: 7,
            envelopeId: new Uint8Array(16),
            envelopeType: 2,
            content: Uint8Array.of(1),
          },
        ],
      }),
    );
    await until(() => c.got.some((f) => f.type === 'submitResult'));
    const result = c.got.find((f) => f.type === 'submitResult');
    assert.deepEqual(result && result.type === 'submitResult' && [result.requestId, result.results], [
      5,
      [{ deviceId: 1, status: 'Accepted' }],
    ]);
    assert.ok(!relay.received.slice(before).some((f) => f.type === 'submit'), 'the relay never saw it');
    c.ws.send(Uint8Array.of(0xff, 0xfe, 0xfd));
    await until(() => relay.raw.length === 1);
    assert.deepEqual(relay.raw[0], Uint8Array.of(0xff, 0xfe, 0xfd));
    relay.pushRaw(Uint8Array.of(0xee, 0xed));
    await until(() => c.raw.length === 1);
    assert.deepEqual(c.raw[0], Uint8Array.of(0xee, 0xed));
    c.ws.close();
  });
});
