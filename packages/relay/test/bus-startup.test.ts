// Start-up against a delivery bus that is not there: the relay must say which bus (credentials
// redacted) and why, with the socket error's code so `sotto relay` exits 3 ("unavailable") rather
// than 1 ("a bug") with ioredis's bare "Connection is closed.", and leave no reconnect loop behind.
import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { openDeliveryBus } from '../src/bus/open-bus.js';

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

void describe('opening a Redis bus that is unreachable', () => {
  void it('rejects with ECONNREFUSED, naming the bus with its password redacted', async () => {
    const port = await closedPort();
    await assert.rejects(openDeliveryBus(`redis://:hunter2@127.0.0.1:${port}`), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.equal((err as { code?: unknown }).code, 'ECONNREFUSED');
      assert.match(err.message, new RegExp(`delivery bus redis://:REDACTED@127\\.0\\.0\\.1:${port}`));
      assert.ok(!err.message.includes('hunter2'), err.message);
      return true;
    });
  });
});
