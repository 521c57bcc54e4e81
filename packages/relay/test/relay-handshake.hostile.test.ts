// Requests the HTTP parser or the WebSocket handshake refuses before any route runs: raw bytes on a
// loopback socket, because fetch and ws clients cannot send them. Every refusal must carry a
// documented code (docs/errors.md), and a refused socket must not stay open behind the answer.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { createLogger } from '../src/index.js';
import { KNOWN_CODES } from './helpers/fuzz.js';
import { envelopeId, registerUser, startTestRelay } from './helpers/harness.js';
import type { TestRelay } from './helpers/harness.js';

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
}

/** Sends raw bytes and reads one HTTP answer until the relay closes its side. */
function rawRequest(port: number, bytes: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', reject);
    s.on('end', () => {
      s.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(text);
      if (!m || split < 0) return reject(new Error(`not an HTTP answer: ${JSON.stringify(text)}`));
      resolve({
        status: Number(m[1]),
        headers: text.slice(0, split).toLowerCase(),
        body: text.slice(split + 4),
      });
    });
    s.write(bytes);
  });
}

function codeOf(a: RawAnswer): string {
  assert.match(a.headers, /content-type: application\/json/);
  return (JSON.parse(a.body) as { error: string }).error;
}

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const upgrade = (path: string, extra = '', method = 'GET') =>
  `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n${extra}\r\n`;
const wsHeaders = (o: { upgrade?: string; key?: string; version?: string } = {}) =>
  `Upgrade: ${o.upgrade ?? 'websocket'}\r\n` +
  (o.key === '' ? '' : `Sec-WebSocket-Key: ${o.key ?? KEY}\r\n`) +
  `Sec-WebSocket-Version: ${o.version ?? '13'}\r\n`;

void describe('requests refused before routing', () => {
  let t: TestRelay;
  before(async () => {
    t = await startTestRelay({ maxUnauthenticatedPerIp: 4 });
  });
  after(async () => {
    await t.close();
  });

  void it('answers malformed HTTP (bad request line, conflicting lengths, oversized headers) with 400 BadRequest', async () => {
    const port = t.relay.port;
    const cases = [
      'GARBAGE\r\n\r\n',
      'FOO /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET healthz HTTP/1.1\r\nHost: x\r\n\r\n',
      'POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x',
      'POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      'POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`,
    ];
    for (const c of cases) {
      const a = await rawRequest(port, c);
      assert.equal(a.status, 400, c.slice(0, 40));
      assert.equal(codeOf(a), 'BadRequest', c.slice(0, 40));
    }
  });

  void it('refuses bad WebSocket upgrades with documented codes in a JSON body', async () => {
    const port = t.relay.port;
    const cases: [string, number, string][] = [
      [upgrade('/v1/wsx', wsHeaders()), 404, 'NotFound'],
      [upgrade('/healthz', 'Upgrade: h2c\r\n'), 404, 'NotFound'],
      [upgrade('/v1/ws', wsHeaders(), 'POST'), 405, 'MethodNotAllowed'],
      [upgrade('/v1/ws', wsHeaders({ upgrade: 'foo' })), 400, 'BadRequest'],
      [upgrade('/v1/ws', wsHeaders({ key: '' })), 400, 'BadRequest'],
      [upgrade('/v1/ws', wsHeaders({ key: 'short' })), 400, 'BadRequest'],
      [upgrade('/v1/ws', wsHeaders({ version: '99' })), 400, 'BadRequest'],
      [upgrade('/v1/ws', wsHeaders() + 'Sec-WebSocket-Protocol: a,,b\r\n'), 400, 'BadRequest'],
    ];
    for (const [req, status, code] of cases) {
      const a = await rawRequest(port, req);
      assert.equal(a.status, status, req.split('\r\n')[0]);
      assert.equal(codeOf(a), code, req.split('\r\n')[0]);
      assert.ok(KNOWN_CODES.has(code));
    }
  });

  void it('closes a refused upgrade completely, even when the client keeps its side open', async () => {
    const port = t.relay.port;
    // A half-open client: it gets the answer and the relay's FIN, then keeps writing. Once the relay
    // has released the socket, that write is answered with a reset (or the socket simply closes).
    const ended = await new Promise<string>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      s.on('data', () => undefined);
      s.on('end', () => {
        const poke = () => {
          if (!s.destroyed) s.write('x', () => undefined);
        };
        poke();
        const timer = setInterval(poke, 50);
        s.on('close', () => clearInterval(timer));
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      s.on('close', () => resolve('closed'));
      s.write(upgrade('/nope', wsHeaders()));
      // A generous bound so a socket left open fails the test instead of hanging it.
      setTimeout(() => {
        s.destroy();
        resolve('still open');
      }, 3000).unref();
    });
    assert.ok(['ECONNRESET', 'EPIPE', 'closed'].includes(ended), ended);
  });

  void it('keeps serving WebSockets after a burst of refused upgrades from the same address', async () => {
    for (let i = 0; i < 12; i++) {
      const a = await rawRequest(t.relay.port, upgrade('/v1/ws', wsHeaders({ key: '' })));
      assert.equal(a.status, 400);
    }
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    const conn = alice.client.connect();
    await conn.ready;
    const r = await conn.submit(bob.accountId, [
      {
        deviceId: 1,
        registrationId: bob.registrationId,
        envelopeId: envelopeId(),
        envelopeType: 1,
        content: new Uint8Array([1]),
      },
    ]);
    assert.equal(r.results[0]!.status, 'Accepted');
    conn.close();
  });
});

void describe('request bodies cut off by the client', () => {
  void it("counts an aborted body as the client's error (400), not a relay failure: no 500, no error log", async () => {
    const lines: string[] = [];
    const t = await startTestRelay({}, { log: createLogger('debug', (l) => lines.push(l)) });
    try {
      const s = net.connect({ port: t.relay.port, host: '127.0.0.1' });
      s.on('error', () => undefined);
      // Headers promise 1000 bytes; the client sends three and goes away.
      s.write(
        'POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
          'Content-Length: 1000\r\n\r\n{"a',
        () => s.destroy(),
      );
      const counted = async () => {
        const text = await (await fetch(`${t.url}/metrics`)).text();
        return /sotto_relay_http_requests_total\{route="\/v1\/accounts",status="(\d+)"\} 1/.exec(text)?.[1];
      };
      let status = await counted();
      const end = Date.now() + 5000;
      while (status === undefined && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
        status = await counted();
      }
      assert.equal(status, '400');
      assert.ok(!lines.some((l) => l.includes('"level":"error"')), lines.join('\n'));
    } finally {
      await t.close();
    }
  });
});
