// A relay that answers the sender lookup (GET /v1/accounts/{id}) with headers and then one byte now
// and then, forever. Envelopes are received in order, so without a deadline the first envelope from
// a stranger held up every later one and close() never returned. Now the lookup gives up after
// SENDER_INFO_TIMEOUT_MS (the sender is added without a username) and every relay request has a
// deadline. Everything runs on 127.0.0.1.
import { after, before, describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RelayClient, type DeliverFrame } from '@sotto/wire';
import type { MessengerContext } from '../src/messenger/context.js';
import { MemoryKv } from '../src/messenger/kv.js';
import { Messenger } from '../src/messenger/messenger.js';
import { SENDER_INFO_TIMEOUT_MS, senderInfo } from '../src/messenger/receiver.js';
import { baseOptions, eventually, newUser, suiteRelay, tracked } from './messenger-harness.js';

const relay = suiteRelay();

const ACCOUNT_LOOKUP = /^\/v1\/accounts\/[0-9a-f-]{36}$/;

/** A proxy to the relay that stalls every sender lookup (headers, then a space every 200 ms). */
interface StallingProxy {
  url: string;
  /** Lookups that reached the proxy. */
  stalled: number;
  close(): Promise<void>;
}

async function stallingProxy(upstream: string): Promise<StallingProxy> {
  const up = new URL(upstream);
  const timers = new Set<ReturnType<typeof setInterval>>();
  const sockets = new Set<{ destroy(): void }>(); // upgraded: closeAllConnections() does not see them
  const state = { stalled: 0 };
  const server = createServer((req, res) => {
    if (req.method === 'GET' && ACCOUNT_LOOKUP.test(req.url ?? '')) {
      state.stalled++;
      res.writeHead(200, { 'content-type': 'application/json' });
      const t = setInterval(() => res.write(' '), 200);
      timers.add(t);
      res.on('close', () => {
        clearInterval(t);
      });
      return;
    }
    const p = request(
      { host: up.hostname, port: up.port, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    p.on('error', () => {
      res.destroy();
    });
    req.pipe(p);
  });
  server.on('upgrade', (req, sock, head) => {
    const p = request({
      host: up.hostname,
      port: up.port,
      path: req.url,
      method: req.method,
      headers: req.headers,
    });
    p.on('upgrade', (r, upSock, upHead) => {
      const lines = Object.entries(r.headers).map(([k, v]) => `${k}: ${String(v)}`);
      sock.write(`HTTP/1.1 101 Switching Protocols\r\n${lines.join('\r\n')}\r\n\r\n`);
      if (upHead.length) sock.write(upHead);
      if (head.length) upSock.write(head);
      upSock.pipe(sock).on('error', () => undefined);
      sock.pipe(upSock).on('error', () => undefined);
      sockets.add(sock).add(upSock);
      sock.on('close', () => {
        upSock.destroy();
      });
      upSock.on('close', () => {
        sock.destroy();
      });
    });
    p.on('error', () => {
      sock.destroy();
    });
    p.end();
  });
  await new Promise<void>((r) => {
    server.listen(0, '127.0.0.1', r);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get stalled() {
      return state.stalled;
    },
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** `p`, or a test failure when it is still pending after `ms` (the bug: it never settled). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

void describe('a relay that stalls the sender lookup', () => {
  let proxy: StallingProxy;
  before(async () => {
    proxy = await stallingProxy(relay.url);
  });
  after(async () => {
    await proxy.close();
  });

  void it('senderInfo gives up at its deadline and falls back to no account info', async () => {
    const ctx = {
      accountId: '00000000-0000-4000-8000-00000000000a',
      store: new MemoryKv(),
      relay: new RelayClient({
        url: proxy.url,
        credentials: {
          accountId: '00000000-0000-4000-8000-00000000000a',
          deviceId: 1,
          secret: new Uint8Array(32),
        },
      }),
    } as unknown as MessengerContext;
    const d = { senderAccountId: '00000000-0000-4000-8000-00000000000b', senderDeviceId: 1 } as DeliverFrame;
    const before = proxy.stalled;
    const t0 = Date.now();
    assert.equal(await within(senderInfo(ctx, d, 200), 10_000, 'senderInfo'), undefined);
    assert.ok(Date.now() - t0 >= 150, 'it did wait for the relay');
    assert.equal(proxy.stalled, before + 1, 'the lookup reached the stalling relay');
    assert.ok(SENDER_INFO_TIMEOUT_MS <= 10_000, 'the default holds the queue up for seconds, not minutes');
  });

  void it('the first envelope from a stranger holds up later envelopes only until that deadline', async () => {
    const alice = tracked(
      await Messenger.create({
        ...baseOptions(new MemoryKv()),
        relayUrl: proxy.url,
        username: 'alice_stall1',
      }),
    );
    const carol = await newUser(relay.url, 'carol_stall1');
    const stranger = await newUser(relay.url, 'stranger_stall1');
    await carol.m.addContact('alice', '@alice_stall1');
    await alice.addContact('carol', '@carol_stall1');
    await stranger.m.addContact('alice', '@alice_stall1');
    const shown: string[] = [];
    alice.on('message', (e) => shown.push(`${e.contact}: ${e.entry.text}`));
    await (
      await stranger.m.send('alice', 'hi from a stranger')
    ).accepted;
    await (
      await carol.m.send('alice', 'hi from carol')
    ).accepted;
    await alice.connect();
    await eventually(() => shown.length === 2, SENDER_INFO_TIMEOUT_MS + 15_000);
    // In order; the stranger is added without the username the relay never finished sending.
    assert.match(shown[0]!, /^unknown-[0-9a-f]{8}: hi from a stranger$/);
    assert.equal(shown[1], 'carol: hi from carol');
    assert.equal((await alice.contacts()).find((c) => c.name.startsWith('unknown-'))?.username, null);
    await within(alice.close(), 10_000, 'close()');
    await carol.m.close();
    await stranger.m.close();
  });

  void it('close() returns while the lookup is stalled', async () => {
    const alice = tracked(
      await Messenger.create({
        ...baseOptions(new MemoryKv()),
        relayUrl: proxy.url,
        username: 'alice_stall2',
      }),
    );
    const stranger = await newUser(relay.url, 'stranger_stall2');
    await stranger.m.addContact('alice', '@alice_stall2');
    await (
      await stranger.m.send('alice', 'hi')
    ).accepted;
    const before = proxy.stalled;
    await alice.connect();
    await eventually(() => proxy.stalled > before);
    // close() aborts the stalled request itself: it does not wait for the lookup's deadline.
    const started = Date.now();
    await within(alice.close(), SENDER_INFO_TIMEOUT_MS + 10_000, 'close() during a stalled lookup');
    assert.ok(Date.now() - started < SENDER_INFO_TIMEOUT_MS / 2, `close() took ${Date.now() - started} ms`);
    await stranger.m.close();
  });
});
