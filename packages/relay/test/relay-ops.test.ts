import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { envelopeId, registerUser, startTestRelay, waitFor } from './helpers/harness.js';
import { createLogger } from '../src/logger.js';

void describe('operations', () => {
  void it('answers /healthz from the store, and 503 when the store is down', async () => {
    const t = await startTestRelay();
    try {
      assert.equal(await t.anon.health(), 'ok');
      // Probes that use HEAD get the same status and headers, without a body.
      for (const path of ['/healthz', '/metrics']) {
        const head = await fetch(`${t.url}${path}`, { method: 'HEAD' });
        assert.equal(head.status, 200, path);
        assert.match(head.headers.get('content-type') ?? '', /^(application\/json|text\/plain)/, path);
        assert.equal(await head.text(), '', path);
      }
    } finally {
      await t.close();
    }
    const { MemoryRelayStore } = await import('./helpers/memory-relay-store.js');
    const store = new MemoryRelayStore();
    store.closed = true;
    const down = await startTestRelay({}, { relayStore: store });
    try {
      assert.equal(await down.anon.health(), 'unavailable');
      assert.equal((await fetch(`${down.url}/healthz`, { method: 'HEAD' })).status, 503);
    } finally {
      await down.close();
    }
  });

  void it('exposes counts in /metrics without any identifier', async () => {
    const t = await startTestRelay();
    try {
      const a = await registerUser(t);
      const b = await registerUser(t);
      await a.client.submit(b.accountId, [
        {
          deviceId: 1,
          registrationId: b.registrationId,
          envelopeId: envelopeId(),
          envelopeType: 1,
          content: new Uint8Array(3),
        },
      ]);
      const text = await (await fetch(`${t.url}/metrics`)).text();
      assert.match(text, /sotto_relay_envelopes_accepted_total 1/);
      assert.ok(!text.includes(a.accountId) && !text.includes(b.accountId));
    } finally {
      await t.close();
    }
  });

  void it('limits and validates JSON bodies with documented codes', async () => {
    const t = await startTestRelay({ maxBodyBytes: 2048 });
    try {
      const post = (body: string | Uint8Array, type = 'application/json') =>
        fetch(`${t.url}/v1/accounts`, { method: 'POST', headers: { 'content-type': type }, body });
      const cases: [Promise<Response>, number, string][] = [
        [post('x'.repeat(5000)), 413, 'BodyTooLarge'],
        [post('{"a":'), 400, 'BadRequest'],
        [post(new Uint8Array([0x7b, 0xff, 0x7d])), 400, 'BadRequest'],
        [post('{}'), 400, 'BadRequest'],
        [post('[]'), 400, 'BadRequest'],
        [post('{}', 'text/plain'), 415, 'UnsupportedMediaType'],
      ];
      for (const [p, status, code] of cases) {
        const res = await p;
        assert.equal(res.status, status, code);
        assert.equal(((await res.json()) as { error: string }).error, code);
      }
    } finally {
      await t.close();
    }
  });

  void it('logs no identifiers, secrets or addresses', async () => {
    const lines: string[] = [];
    const t = await startTestRelay({}, { log: createLogger('debug', (l) => lines.push(l)) });
    let ids: string[] = [];
    try {
      const a = await registerUser(t);
      const b = await registerUser(t);
      ids = [a.accountId, b.accountId, Buffer.from(a.secret).toString('base64')];
      const c = b.client.connect();
      await c.ready;
      await a.client.submit(b.accountId, [
        {
          deviceId: 1,
          registrationId: b.registrationId,
          envelopeId: envelopeId(),
          envelopeType: 1,
          content: new Uint8Array(3),
        },
      ]);
      c.close();
    } finally {
      await t.close();
    }
    await waitFor(() => lines.some((l) => l.includes('relay_closed')));
    const all = lines.join('\n');
    for (const id of ids) assert.ok(!all.includes(id));
    assert.ok(!/127\.0\.0\.1:\d{2,5}\b(?!")/.test(all.replace(/"host":"127\.0\.0\.1"/g, '')));
  });

  void it('rejects a port already in use with EADDRINUSE and closes the store it opened', async () => {
    const { createServer } = await import('node:net');
    const { MemoryRelayStore } = await import('./helpers/memory-relay-store.js');
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    const store = new MemoryRelayStore();
    try {
      await assert.rejects(startTestRelay({ port }, { relayStore: store }), { code: 'EADDRINUSE' });
      assert.equal(store.closed, true, 'the store is closed again');
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  void it('closes gracefully: open sockets get ShuttingDown, further connections fail', async () => {
    const t = await startTestRelay();
    const a = await registerUser(t);
    let closed: { code: number } | null = null;
    const c = a.client.connect({ onClose: (x) => (closed = x) }, { reconnect: false });
    await c.ready;
    await t.close();
    await waitFor(() => closed !== null);
    assert.equal(closed!.code, 1001);
    await assert.rejects(fetch(`${t.url}/healthz`));
  });
});

void describe('static files hook', () => {
  void it('asks serveStatic about GET requests outside the API, never about /v1/', async () => {
    const asked: string[] = [];
    const t = await startTestRelay(
      {},
      {
        serveStatic: (req, res) => {
          asked.push(req.url ?? '');
          if (req.url !== '/') return Promise.resolve(false);
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('hello');
          return Promise.resolve(true);
        },
      },
    );
    try {
      assert.equal(await (await fetch(`${t.url}/`)).text(), 'hello');
      assert.equal((await fetch(`${t.url}/missing.js`)).status, 404);
      assert.equal((await fetch(`${t.url}/v1/unknown`)).status, 404);
      assert.equal((await fetch(`${t.url}/`, { method: 'POST' })).status, 404);
      assert.deepEqual(asked, ['/', '/missing.js']);
    } finally {
      await t.close();
    }
  });
});
