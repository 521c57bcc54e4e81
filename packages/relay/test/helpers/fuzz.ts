// Seeded fuzz generators shared by the fuzz and memory-under-fuzz hostile tests: random, mutated and
// oversized WebSocket frames (before and after AUTH) and junk HTTP requests. Everything the relay
// answers is recorded so a test can check it only ever answers with documented codes.
import WebSocket from 'ws';
import { HTTP_STATUS, RELAY_ERROR_CODES, WireError, decodeFrame, encodeFrame, toBase64 } from '@sotto/wire';
import type { Frame } from '@sotto/wire';

/** The part of an account a fuzzer needs: who it is, and the secret it may authenticate with. */
export interface FuzzAccount {
  accountId: string;
  registrationId: number;
  secret: Uint8Array;
}

/** xorshift32: deterministic per seed. */
export function rng(seed: number) {
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

export const KNOWN_CODES = new Set<string>(RELAY_ERROR_CODES);
export const KNOWN_STATUSES = new Set<number>([200, 204, ...Object.values(HTTP_STATUS)]);

function validFrames(victim: FuzzAccount, r: Rng): Frame[] {
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

export function mutate(bytes: Uint8Array, r: Rng): Uint8Array {
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

export async function attacker(
  url: string,
  me: FuzzAccount,
  victim: FuzzAccount,
  seed: number,
  errors: string[],
  rounds = 8,
) {
  const r = rng(seed);
  for (let round = 0; round < rounds; round++) {
    const ws = new WebSocket(url.replace('http', 'ws') + '/v1/ws');
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

export async function httpFuzz(
  url: string,
  me: FuzzAccount,
  seed: number,
  statuses: number[],
  codes: string[],
  requests = 60,
) {
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
  for (let i = 0; i < requests; i++) {
    const method = r.pick(['GET', 'PUT', 'POST', 'DELETE', 'PATCH']);
    const path = r.pick(paths);
    const headers: Record<string, string> = {
      'content-type': r.pick(['application/json', 'application/octet-stream', 'text/plain']),
    };
    if (r.next() < 0.6)
      headers['authorization'] = r.next() < 0.8 ? auth : 'Basic ' + toBase64(r.bytes(r.int(60)));
    // With good credentials this would delete the fuzzing account, which is no hostile input but
    // would leave every later wave of the calling test without an authenticated attacker.
    if (method === 'DELETE' && path === '/v1/accounts/me' && headers['authorization'] === auth) continue;
    const res = await fetch(url + path, {
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
