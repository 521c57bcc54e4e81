// A relay that stalls, floods or lies in its HTTP answers: every request has a deadline covering
// headers and body, answers have a size limit, close() aborts what is in flight, and usernames in
// answers are checked like usernames in requests. Real HTTP servers on 127.0.0.1, small deadlines.
import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RelayClient } from '../src/relay-client.js';
import { RelayError } from '../src/errors.js';
import { toBase64 } from '../src/bytes.js';
import type { FetchLike } from '../src/transport.js';

const creds = {
  accountId: '00000000-0000-4000-8000-000000000001',
  deviceId: 2,
  secret: new Uint8Array(32).fill(3),
};
const OTHER = '00000000-0000-4000-8000-000000000002';
const account = (username: unknown) => ({
  accountId: OTHER,
  identityKey: toBase64(Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 5 : i))),
  username,
  devices: [1],
});

/** What the server does with a request; `closed` counts the requests whose connection went away. */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
const timers = new Set<ReturnType<typeof setInterval>>();
after(() => {
  for (const t of timers) clearInterval(t);
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

async function serve(handler: Handler): Promise<{ url: string; closed: { n: number } }> {
  const closed = { n: 0 };
  const server = createServer((req, res) => {
    res.on('close', () => closed.n++);
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => {
    server.listen(0, '127.0.0.1', r);
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, closed };
}

/** Headers at once, then one space every 50 ms, forever: valid JSON so far, never complete. */
const trickle: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  const t = setInterval(() => res.write(' '), 50);
  timers.add(t);
  res.on('close', () => clearInterval(t));
};

/** Bytes as fast as the socket takes them, forever. */
const flood: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(16 * 1024, 0x20);
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
  };
  res.on('drain', pump);
  pump();
};

/** Rejects `p`'s settling later than `ms` as a test failure (the bug: it never settles). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const is = (code: RelayError['code'], text?: string) => (e: unknown) =>
  RelayError.is(e, code) && (text === undefined || e.message.includes(text));

void describe('RelayClient against a stalling or flooding relay', () => {
  void it('a body that trickles in forever ends in Timeout at the deadline, and the connection is dropped', async () => {
    const { url, closed } = await serve(trickle);
    const c = new RelayClient({ url, credentials: creds, timeoutMs: 200 });
    const t0 = Date.now();
    await assert.rejects(within(c.getAccount(OTHER), 10_000, 'getAccount'), is('Timeout'));
    assert.ok(Date.now() - t0 >= 150, 'not before the deadline');
    await within(
      (async () => {
        while (closed.n < 1) await new Promise((r) => setTimeout(r, 10));
      })(),
      5_000,
      'the server seeing the connection closed',
    );
  });

  void it('an answer whose headers never come ends in Timeout too; a call can set a shorter deadline', async () => {
    const { url } = await serve(() => undefined);
    const c = new RelayClient({ url, credentials: creds, timeoutMs: 60_000 });
    await assert.rejects(
      within(c.getAccount(OTHER, { timeoutMs: 200 }), 10_000, 'getAccount'),
      is('Timeout'),
    );
    const { url: slow } = await serve(trickle);
    const d = new RelayClient({ url: slow, credentials: creds, timeoutMs: 200 });
    await assert.rejects(within(d.whoami(), 10_000, 'whoami'), is('Timeout'));
  });

  void it('holds a fetch that ignores the abort signal to the deadline as well', async () => {
    const never: FetchLike = () => new Promise(() => undefined);
    const c = new RelayClient({ url: 'http://x', fetch: never, credentials: creds, timeoutMs: 100 });
    await assert.rejects(within(c.health(), 10_000, 'health'), is('Timeout'));
  });

  void it('stops reading an answer past the size limit (BadResponse), long before the deadline', async () => {
    const { url } = await serve(flood);
    const c = new RelayClient({ url, credentials: creds, timeoutMs: 60_000, maxResponseBytes: 64 * 1024 });
    await assert.rejects(within(c.getAccount(OTHER), 10_000, 'getAccount'), is('BadResponse', 'larger than'));
    // A declared length over the limit is refused without reading the body.
    const { url: declared } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1 << 20) });
      res.write('{');
    });
    const d = new RelayClient({
      url: declared,
      credentials: creds,
      timeoutMs: 60_000,
      maxResponseBytes: 1024,
    });
    await assert.rejects(within(d.whoami(), 10_000, 'whoami'), is('BadResponse', 'larger than'));
    // An attachment has its own limit.
    const { url: files } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.alloc(4096, 1));
    });
    const small = new RelayClient({ url: files, credentials: creds, maxAttachmentBytes: 4095 });
    await assert.rejects(small.downloadAttachment('a'.repeat(32)), is('BadResponse', 'larger than'));
    const big = new RelayClient({ url: files, credentials: creds, maxAttachmentBytes: 4096 });
    assert.equal((await big.downloadAttachment('a'.repeat(32))).length, 4096);
  });

  void it('close() aborts a stalled request at once with Closed, and refuses new ones', async () => {
    const { url } = await serve(trickle);
    const c = new RelayClient({ url, credentials: creds, timeoutMs: 60_000 });
    const pending = c.getAccount(OTHER);
    await new Promise((r) => setTimeout(r, 100));
    c.close();
    await assert.rejects(within(pending, 5_000, 'getAccount after close()'), is('Closed'));
    await assert.rejects(c.whoami(), is('Closed'));
  });

  void it('abortInflight() ends a stalled request with Closed and lets later ones go out', async () => {
    const { url } = await serve(trickle);
    const c = new RelayClient({ url, credentials: creds, timeoutMs: 60_000 });
    const pending = c.getAccount(OTHER);
    await new Promise((r) => setTimeout(r, 100));
    c.abortInflight();
    await assert.rejects(within(pending, 5_000, 'getAccount after abortInflight()'), is('Closed'));
    // The next request on the same client is sent (and stalls in turn, until its own deadline).
    await assert.rejects(c.getAccount(OTHER, { timeoutMs: 300 }), is('Timeout'));
  });
});

/** Answers every request with `body` (JSON) and status 200. */
function answering(body: unknown): FetchLike {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  return () =>
    Promise.resolve({
      status: 200,
      headers: { get: () => null },
      arrayBuffer: () => Promise.resolve(bytes.slice().buffer),
      json: () => Promise.resolve(body), // what clients before the body limit read
    });
}

void describe('RelayClient: usernames in answers', () => {
  const hostile = ['\u001b]0;pwned\u0007', 'a/../b', 'A'.repeat(300), 'ab', '1abc', 'x y z', ''];

  void it('refuses an account or whoami answer whose username breaks the username rule (BadResponse)', async () => {
    for (const username of hostile) {
      const c = new RelayClient({ url: 'http://x', fetch: answering(account(username)), credentials: creds });
      await assert.rejects(c.getAccount(OTHER), is('BadResponse'), JSON.stringify(username));
      await assert.rejects(c.lookupUsername('alice'), is('BadResponse'), JSON.stringify(username));
      const me = { accountId: creds.accountId, deviceId: 2, username, devices: [1, 2] };
      const w = new RelayClient({ url: 'http://x', fetch: answering(me), credentials: creds });
      await assert.rejects(w.whoami(), is('BadResponse'), JSON.stringify(username));
      const s = new RelayClient({ url: 'http://x', fetch: answering({ username }), credentials: creds });
      await assert.rejects(s.setUsername('alice'), is('BadResponse'), JSON.stringify(username));
    }
  });

  void it('accepts valid usernames and none', async () => {
    for (const username of ['alice', 'Bob_2', null]) {
      const c = new RelayClient({ url: 'http://x', fetch: answering(account(username)), credentials: creds });
      assert.equal((await c.getAccount(OTHER)).username, username);
    }
  });
});
