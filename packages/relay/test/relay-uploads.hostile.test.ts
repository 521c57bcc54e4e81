// Attachment bodies are buffered whole before they are stored, so uploads in progress must be
// bounded together, not only one by one: otherwise a few accounts holding many slow uploads open
// could make the relay buffer attachmentMaxBytes each until it runs out of memory for everyone.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { toBase64 } from '@sotto/wire';
import { UPLOAD_BUDGET_FACTOR } from '../src/routes/attachment-routes.js';
import { registerUser, startTestRelay } from './helpers/harness.js';

void describe('attachment uploads in progress', () => {
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
        const s = net.connect({ port: t.relay.port, host: '127.0.0.1' });
        s.on('error', () => undefined);
        s.write(
          `POST /v1/attachments HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\n` +
            'Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n',
        );
        held.push(s);
      }
      // The held uploads reach the handler asynchronously: retry until the budget is seen as full.
      const uploadUntil = async (status: number, what: string) => {
        const end = Date.now() + 10_000;
        for (;;) {
          const res = await upload();
          const body = (await res.json()) as { error?: string };
          if (res.status === status) return body;
          if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last ${res.status})`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      assert.equal((await uploadUntil(429, 'a refused upload')).error, 'RateLimited');
      for (const s of held) s.destroy();
      held.length = 0;
      await uploadUntil(200, 'uploads accepted again');
    } finally {
      for (const s of held) s.destroy();
      await t.close();
    }
  });
});
