// Connection floods: many WebSocket upgrades that never authenticate. Each address may hold only
// maxUnauthenticatedPerIp of them and the relay as a whole maxConnections; more are refused at the
// upgrade with 503 and a JSON {"error":"TooManyConnections"} body, and honest clients keep being served.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import WebSocket from 'ws';
import { RelayClient, encodeFrame } from '@sotto/wire';
import type { DeliverFrame, WebSocketCtor } from '@sotto/wire';
import { envelopeId, registerUser, startTestRelay, waitFor } from './helpers/harness.js';
import type { TestRelay, TestUser } from './helpers/harness.js';

/** Loopback, but another source address than the flood's 127.0.0.1 (Linux routes all of 127/8). */
const HONEST_ADDRESS = '127.0.0.2';

/** A WebSocket constructor whose sockets leave from `localAddress`. */
function wsFrom(localAddress: string): WebSocketCtor {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { localAddress });
    }
  } as unknown as WebSocketCtor;
}

type Upgrade = { ok: true; ws: WebSocket } | { ok: false; status: number; body: string };

/** One raw upgrade: the open socket, or the refusal's status and body. */
function upgrade(t: TestRelay, localAddress = '127.0.0.1'): Promise<Upgrade> {
  return new Promise((resolve) => {
    const ws = new WebSocket(t.url.replace('http', 'ws') + '/v1/ws', { localAddress });
    ws.on('error', () => undefined);
    ws.once('open', () => resolve({ ok: true, ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ ok: false, status: res.statusCode ?? 0, body }));
    });
  });
}

async function flood(t: TestRelay, n: number, localAddress?: string): Promise<Upgrade[]> {
  const out: Upgrade[] = [];
  // In waves, so the test measures the relay's bound and not the kernel's accept backlog.
  for (let i = 0; i < n; i += 25) {
    out.push(
      ...(await Promise.all(Array.from({ length: Math.min(25, n - i) }, () => upgrade(t, localAddress)))),
    );
  }
  return out;
}

const closeAll = (xs: Upgrade[]) => {
  for (const x of xs) if (x.ok) x.ws.terminate();
};

/** alice → bob through the relay, bob's socket from `bobFrom`: the honest traffic under attack. */
async function honestRoundTrip(t: TestRelay, alice: TestUser, bob: TestUser, bobFrom: string) {
  const got: DeliverFrame[] = [];
  const client = new RelayClient({ url: t.url, WebSocket: wsFrom(bobFrom), credentials: bob.creds });
  const conn = client.connect({ onDeliver: (d) => void got.push(d) });
  try {
    await conn.ready;
    const r = await alice.client.submit(bob.accountId, [
      {
        deviceId: 1,
        registrationId: bob.registrationId,
        envelopeId: envelopeId(),
        envelopeType: 1,
        content: Uint8Array.of(42),
      },
    ]);
    assert.equal(r.results[0]!.status, 'Accepted');
    await waitFor(() => got.length === 1, 5000, 'honest delivery');
    conn.ack(got[0]!.seq);
  } finally {
    conn.close();
  }
}

const refused = (xs: Upgrade[]) => xs.filter((x): x is Extract<Upgrade, { ok: false }> => !x.ok);

void describe('connection floods', () => {
  void it('caps unauthenticated sockets per address (503 TooManyConnections) while other addresses are served', async () => {
    const t = await startTestRelay({ maxUnauthenticatedPerIp: 10, authTimeoutSeconds: 1 });
    let sockets: Upgrade[] = [];
    try {
      const alice = await registerUser(t);
      const bob = await registerUser(t);
      sockets = await flood(t, 60);
      const open = sockets.filter((x) => x.ok).length;
      assert.equal(open, 10, 'exactly the per-address allowance is open');
      for (const r of refused(sockets)) {
        assert.equal(r.status, 503);
        assert.deepEqual(JSON.parse(r.body), { error: 'TooManyConnections' });
      }
      // The flood holds its address's allowance; an honest client elsewhere is served meanwhile.
      await honestRoundTrip(t, alice, bob, HONEST_ADDRESS);
      assert.equal(await t.anon.health(), 'ok', 'HTTP still answers');
      // The flooding sockets never authenticate: they are closed after authTimeoutSeconds, which
      // frees the allowance for the same address.
      await waitFor(
        () => sockets.every((x) => !x.ok || x.ws.readyState === WebSocket.CLOSED),
        5000,
        'auth timeouts',
      );
      await honestRoundTrip(t, alice, bob, '127.0.0.1');
    } finally {
      closeAll(sockets);
      await t.close();
    }
  });

  void it('authenticated sockets do not count against the per-address allowance', async () => {
    const t = await startTestRelay({ maxUnauthenticatedPerIp: 3 });
    const conns: ReturnType<RelayClient['connect']>[] = [];
    try {
      const users = await Promise.all(Array.from({ length: 6 }, () => registerUser(t)));
      for (const u of users) {
        const c = u.client.connect({});
        conns.push(c);
        await Promise.race([
          c.ready,
          new Promise((_, reject) => setTimeout(() => reject(new Error('not served')), 3000)),
        ]);
      }
      const more = await flood(t, 3);
      assert.equal(more.filter((x) => x.ok).length, 3);
      closeAll(more);
    } finally {
      for (const c of conns) c.close();
      await t.close();
    }
  });

  void it('caps all WebSockets at maxConnections with 503 TooManyConnections, and recovers when they close', async () => {
    const t = await startTestRelay({ maxConnections: 20, maxUnauthenticatedPerIp: 1000 });
    let sockets: Upgrade[] = [];
    try {
      const alice = await registerUser(t);
      const bob = await registerUser(t);
      sockets = await flood(t, 50);
      assert.equal(sockets.filter((x) => x.ok).length, 20);
      const no = refused(sockets);
      assert.equal(no.length, 30);
      for (const r of no)
        assert.deepEqual([r.status, JSON.parse(r.body)], [503, { error: 'TooManyConnections' }]);
      // Full: even an honest client is refused, with the same clear error (the bound is global).
      const honest = await upgrade(t, HONEST_ADDRESS);
      assert.equal(honest.ok, false);
      assert.equal(await t.anon.health(), 'ok', 'HTTP still answers while WebSockets are full');
      closeAll(sockets);
      // Sockets closed: the relay serves again.
      const deadline = Date.now() + 5000;
      for (;;) {
        try {
          await honestRoundTrip(t, alice, bob, HONEST_ADDRESS);
          break;
        } catch (e) {
          if (Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    } finally {
      closeAll(sockets);
      await t.close();
    }
  });

  void it('a socket that closes before authenticating frees its slot (no leak in the count)', async () => {
    const t = await startTestRelay({ maxUnauthenticatedPerIp: 5 });
    try {
      for (let round = 0; round < 4; round++) {
        const xs = await flood(t, 5);
        assert.equal(xs.filter((x) => x.ok).length, 5, `round ${round}`);
        // Half leave quietly, half send junk and are closed by the relay.
        xs.forEach((x, i) => {
          if (!x.ok) return;
          if (i % 2 === 0) x.ws.close();
          else x.ws.send(encodeFrame({ type: 'ping', nonce: 1 }));
        });
        await waitFor(() => xs.every((x) => !x.ok || x.ws.readyState === WebSocket.CLOSED), 5000, 'closed');
      }
    } finally {
      await t.close();
    }
  });
});
