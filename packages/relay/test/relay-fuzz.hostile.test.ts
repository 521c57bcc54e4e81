// Seeded, bounded fuzzing from several connections at once (frames before and after AUTH, text frames,
// oversized frames, mutated valid frames, junk HTTP bodies/paths/headers) while a well-behaved pair
// keeps messaging. The relay must answer with documented codes, keep serving, and lose nothing.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import WebSocket from 'ws';
import { HTTP_STATUS, RELAY_ERROR_CODES, WireError, decodeFrame, encodeFrame, toBase64 } from '@sotto/wire';
import type { DeliverFrame, Frame } from '@sotto/wire';
import { envelopeId, registerUser, startTestRelay, waitFor } from './helpers/harness.js';
import type { TestRelay, TestUser } from './helpers/harness.js';

/** xorshift32: deterministic per seed. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    bytes: (n: number) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}
type Rng = ReturnType<typeof rng>;

const KNOWN_CODES = new Set<string>(RELAY_ERROR_CODES);
const KNOWN_STATUSES = new Set<number>([200, 204, ...Object.values(HTTP_STATUS)]);

function validFrames(victim: TestUser, r: Rng): Frame[] {
  return [
    { type: 'ping', nonce: r.int(1000) },
    { type: 'ack', upTo: r.int(50), seqs: [1 + r.int(9)] },
    {
      type: 'submit',
      requestId: r.int(1000),
      recipient: victim.accountId,
      envelopes: [
        {
          deviceId: 1,
          registrationId: victim.registrationId,
          envelopeId: r.bytes(16),
          envelopeType: 9,
          content: r.bytes(r.int(64)),
        },
      ],
    },
    {
      type: 'deliver',
      seq: 1,
      envelopeId: r.bytes(16),
      senderAccountId: victim.accountId,
      senderDeviceId: 1,
      serverTimestamp: 0,
      envelopeType: 0,
      content: new Uint8Array(0),
    },
    { type: 'queueEmpty' },
  ];
}

function mutate(bytes: Uint8Array, r: Rng): Uint8Array {
  const b = bytes.slice();
  switch (r.int(4)) {
    case 0:
      for (let i = 0; i < 1 + r.int(4); i++) b[r.int(b.length)]! ^= 1 << r.int(8);
      return b;
    case 1:
      return b.subarray(0, r.int(b.length));
    case 2: {
      const extra = r.bytes(1 + r.int(8));
      const out = new Uint8Array(b.length + extra.length);
      out.set(b);
      out.set(extra, b.length);
      return out;
    }
    default:
      return r.bytes(r.int(80));
  }
}

async function attacker(t: TestRelay, me: TestUser, victim: TestUser, seed: number, errors: string[]) {
  const r = rng(seed);
  for (let round = 0; round < 8; round++) {
    const ws = new WebSocket(t.url.replace('http', 'ws') + '/v1/ws');
    ws.on('error', () => undefined);
    ws.on('message', (d: Buffer) => {
      try {
        const f = decodeFrame(d);
        if (f.type === 'error') errors.push(f.code);
        if (f.type === 'submitResult' && f.error) errors.push(f.error);
      } catch (e) {
        if (!(e instanceof WireError)) throw e;
        errors.push('UNDECODABLE');
      }
    });
    const closed = new Promise<void>((res) => ws.on('close', () => res()));
    const opened = await new Promise<boolean>((res) => {
      ws.once('open', () => res(true));
      ws.once('close', () => res(false));
    });
    if (!opened) continue;
    if (round % 2 === 0) {
      ws.send(
        encodeFrame({ type: 'auth', version: 1, accountId: me.accountId, deviceId: 1, secret: me.secret }),
      );
      await new Promise((res) => setTimeout(res, 20));
    }
    for (let i = 0; i < 25 && ws.readyState === WebSocket.OPEN; i++) {
      const kind = r.int(10);
      if (kind === 0) ws.send('text frame ' + i);
      else if (kind === 1)
        ws.send(r.bytes(300_000)); // over maxFrameBytes: closed with 1009
      else if (kind < 5) ws.send(encodeFrame(r.pick(validFrames(victim, r))));
      else ws.send(mutate(encodeFrame(r.pick(validFrames(victim, r))), r));
    }
    await new Promise((res) => setTimeout(res, 30));
    ws.close();
    await closed;
  }
}

async function httpFuzz(t: TestRelay, me: TestUser, seed: number, statuses: number[], codes: string[]) {
  const r = rng(seed);
  const auth = 'Basic ' + Buffer.from(`${me.accountId}.1:${toBase64(me.secret)}`).toString('base64');
  const paths = [
    '/v1/accounts',
    '/v1/accounts/me',
    '/v1/accounts/me/username',
    `/v1/accounts/${me.accountId}/devices`,
    '/v1/keys',
    `/v1/keys/${me.accountId}/*`,
    `/v1/messages/${me.accountId}`,
    '/v1/attachments',
    '/v1/attachments/zz',
    '/v1/usernames/%ff%fe',
    '/v1/%',
    '/' + 'a/'.repeat(300),
  ];
  const bodies = [
    () =>
      '{"identityKey":"' +
      toBase64(r.bytes(33)) +
      '","registrationId":1,"deviceSecret":"AA==","signature":""}',
    () =>
      JSON.stringify({
        envelopes: [
          { deviceId: r.int(200), registrationId: -1, envelopeId: 'x', envelopeType: 1, content: '' },
        ],
      }),
    () => JSON.stringify({ preKeys: [{ keyId: r.int(1 << 25), publicKey: toBase64(r.bytes(33)) }] }),
    () => JSON.stringify({ username: 'x'.repeat(r.int(100)) }),
    () => Buffer.from(r.bytes(r.int(200))).toString('latin1'),
    () => '{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}',
    () => '[' + '['.repeat(5000) + ']'.repeat(5000) + ']',
  ];
  for (let i = 0; i < 60; i++) {
    const method = r.pick(['GET', 'PUT', 'POST', 'DELETE', 'PATCH']);
    const headers: Record<string, string> = {
      'content-type': r.pick(['application/json', 'application/octet-stream', 'text/plain']),
    };
    if (r.next() < 0.6)
      headers['authorization'] = r.next() < 0.8 ? auth : 'Basic ' + toBase64(r.bytes(r.int(60)));
    const res = await fetch(t.url + r.pick(paths), {
      method,
      headers,
      ...(method === 'GET' ? {} : { body: r.pick(bodies)() }),
    });
    statuses.push(res.status);
    if (res.status >= 400) {
      const body = (await res.json()) as { error?: string };
      codes.push(body.error ?? 'NO_CODE');
    } else await res.arrayBuffer();
  }
}

void describe('fuzzing the relay', () => {
  let t: TestRelay;
  before(async () => {
    t = await startTestRelay({ maxFrameBytes: 64 * 1024, submitsPerConnectionPerSecond: 1000 });
  });
  after(async () => {
    await t.close();
  });

  void it('keeps serving a well-behaved pair while hostile connections send junk, answering with codes', async () => {
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    const attackers = await Promise.all(Array.from({ length: 4 }, () => registerUser(t)));
    const got: DeliverFrame[] = [];
    const bobConn = bob.client.connect({
      onDeliver: (d) => {
        got.push(d);
        bobConn.ack(d.seq);
      },
    });
    await bobConn.ready;
    const aliceConn = alice.client.connect();
    await aliceConn.ready;

    const wsErrors: string[] = [];
    const statuses: number[] = [];
    const httpCodes: string[] = [];
    const N = 60;
    const wellBehaved = (async () => {
      for (let i = 0; i < N; i++) {
        const res = await aliceConn.submit(bob.accountId, [
          {
            deviceId: 1,
            registrationId: bob.registrationId,
            envelopeId: envelopeId(),
            envelopeType: 1,
            content: new Uint8Array([i]),
          },
        ]);
        assert.equal(res.results[0]!.status, 'Accepted');
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await Promise.all([
      wellBehaved,
      ...attackers.map((a, i) => attacker(t, a, bob, 1000 + i, wsErrors)),
      httpFuzz(t, attackers[0]!, 77, statuses, httpCodes),
      httpFuzz(t, attackers[1]!, 78, statuses, httpCodes),
    ]);

    const fromAlice = () => got.filter((d) => d.senderAccountId === alice.accountId);
    await waitFor(() => fromAlice().length === N, 10_000, 'all well-behaved envelopes');
    assert.deepEqual(
      fromAlice().map((d) => d.content[0]),
      Array.from({ length: N }, (_, i) => i),
    );
    assert.ok(wsErrors.length > 20, `hostile frames were answered (${wsErrors.length})`);
    for (const c of wsErrors) assert.ok(KNOWN_CODES.has(c), c);
    assert.ok(wsErrors.includes('MalformedFrame'));
    assert.ok(wsErrors.includes('UnexpectedFrame') || wsErrors.includes('AuthRequired'));
    for (const s of statuses) assert.ok(KNOWN_STATUSES.has(s), String(s));
    assert.ok(!statuses.includes(500), 'no request hit an internal error');
    for (const c of httpCodes) assert.ok(KNOWN_CODES.has(c), c);
    assert.equal(({} as { polluted?: number }).polluted, undefined);
    assert.equal(await t.anon.health(), 'ok');
    aliceConn.close();
    bobConn.close();
  });
});
