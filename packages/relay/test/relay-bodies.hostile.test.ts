// Request bodies are buffered whole before they are parsed or stored, so the bodies in progress must
// be bounded together, not only one by one: otherwise many slow requests (attachments from a few
// accounts, or JSON from anyone: registration needs no credentials) could make the relay buffer its
// per-request limit each until it runs out of memory for everyone.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { toBase64 } from '@sotto/wire';
import { JSON_BODY_BUDGET_FACTOR, UPLOAD_BUDGET_FACTOR } from '../src/http/body-budget.js';
import { registerUser, startTestRelay } from './helpers/harness.js';

/** Repeats `request` until it answers `status` (held requests reach their handler asynchronously). */
async function until(request: () => Promise<Response>, status: number, what: string) {
  const end = Date.now() + 10_000;
  for (;;) {
    const res = await request();
    const body = (await res.json()) as { error?: string };
    if (res.status === status) return body;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last ${res.status})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A chunked request that sends its headers and one chunk, then never finishes. */
function holdChunked(port: number, head: string): net.Socket {
  const s = net.connect({ port, host: '127.0.0.1' });
  s.on('error', () => undefined);
  s.write(`${head}Transfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n`);
  return s;
}

void describe('request bodies in progress', () => {
  void it('refuses a new upload with 429 RateLimited while slow uploads hold the budget, and recovers when they end', async () => {
    const max = 64 * 1024;
    const t = await startTestRelay({ attachmentMaxBytes: max });
    const held: net.Socket[] = [];
    try {
      const user = await registerUser(t);
      const auth =
        'Basic ' +
        Buffer.from(`${user.accountId}.${user.deviceId}:${toBase64(user.secret)}`).toString('base64');
      const upload = () =>
        fetch(`${t.url}/v1/attachments`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/octet-stream' },
          body: new Uint8Array(1000),
        });
      assert.equal((await upload()).status, 200);
      // Chunked uploads that never finish: each may still grow to attachmentMaxBytes.
      for (let i = 0; i < UPLOAD_BUDGET_FACTOR; i++) {
        held.push(
          holdChunked(
            t.relay.port,
            `POST /v1/attachments HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\n` +
              'Content-Type: application/octet-stream\r\n',
          ),
        );
      }
      assert.equal((await until(upload, 429, 'a refused upload')).error, 'RateLimited');
      for (const s of held) s.destroy();
      held.length = 0;
      await until(upload, 200, 'uploads accepted again');
    } finally {
      for (const s of held) s.destroy();
      await t.close();
    }
  });

  void it('refuses JSON requests, unauthenticated ones included, with 429 while slow bodies hold the budget', async () => {
    const t = await startTestRelay({ maxBodyBytes: 1024 });
    const held: net.Socket[] = [];
    try {
      // A registration with an empty object: 400 (schema) when its body is read, 429 when refused.
      const register = () =>
        fetch(`${t.url}/v1/accounts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
      assert.equal((await register()).status, 400);
      for (let i = 0; i < JSON_BODY_BUDGET_FACTOR; i++) {
        held.push(
          holdChunked(
            t.relay.port,
            'POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n',
          ),
        );
      }
      assert.equal((await until(register, 429, 'a refused registration')).error, 'RateLimited');
      for (const s of held) s.destroy();
      held.length = 0;
      await until(register, 400, 'bodies read again');
      // And a real registration goes through.
      const user = await registerUser(t);
      assert.equal(typeof user.accountId, 'string');
    } finally {
      for (const s of held) s.destroy();
      await t.close();
    }
  });
});
