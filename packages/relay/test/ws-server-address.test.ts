// The cap on not-yet-authenticated WebSockets per client address counts addresses as the other
// per-address limits do (http/client-address.ts): an IPv6 client per /64, so a subscriber handed a
// whole /64 cannot take a fresh address for every socket; an IPv4-mapped address as its IPv4 address.
// Loopback only gives IPv4 (and ::1), so upgrades are handed to the endpoint directly, each on an
// in-memory socket with the remote address a client on the Internet would have.
import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { relayConfigSchema } from '../src/config.js';
import { silentLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import type { Mailbox } from '../src/mailbox/mailbox.js';
import type { DeviceHub } from '../src/ws/device-hub.js';
import { UnauthenticatedSlots } from '../src/ws/unauthenticated-slots.js';
import { attachWebSocket } from '../src/ws/ws-server.js';

/** A socket in memory: what the endpoint writes to it is kept; it stays open until destroyed. */
class FakeSocket extends Duplex {
  written = '';
  constructor(readonly remoteAddress: string) {
    super();
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.written += chunk.toString('latin1');
    cb();
  }
  override cork(): void {}
  override uncork(): void {}
}

void describe('unauthenticated WebSockets per address', () => {
  const server = createServer();
  const ws = attachWebSocket(server, {
    config: relayConfigSchema.parse({ maxUnauthenticatedPerIp: 2 }),
    now: Date.now,
    log: silentLogger,
    metrics: createMetrics(true),
    mailbox: {} as Mailbox,
    hub: {} as DeviceHub,
    authenticate: () => Promise.resolve('denied'),
    inFlightWindow: 100,
    slowReaderMs: 10_000,
  });
  const sockets: FakeSocket[] = [];
  after(async () => {
    await ws.close();
    for (const s of sockets) s.destroy();
  });

  /** The status line the endpoint answers an upgrade from `address` with. */
  async function upgradeFrom(address: string): Promise<string> {
    const socket = new FakeSocket(address);
    sockets.push(socket);
    const req = {
      url: '/v1/ws',
      method: 'GET',
      headers: {
        host: 'relay.example',
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
      socket,
    } as unknown as IncomingMessage;
    server.emit('upgrade', req, socket, Buffer.alloc(0));
    await new Promise((r) => setImmediate(r));
    return socket.written.split('\r\n', 1)[0]!;
  }

  void it('counts IPv6 clients per /64', async () => {
    assert.equal(await upgradeFrom('2001:db8:1:2::1'), 'HTTP/1.1 101 Switching Protocols');
    assert.equal(await upgradeFrom('2001:db8:1:2:ffff:ffff:ffff:fffe'), 'HTTP/1.1 101 Switching Protocols');
    // A third address in the same /64: refused, as a third socket from one IPv4 address would be.
    assert.equal(await upgradeFrom('2001:db8:1:2:abcd::3'), 'HTTP/1.1 503 Service Unavailable');
    // The next /64 is someone else.
    assert.equal(await upgradeFrom('2001:db8:1:3::1'), 'HTTP/1.1 101 Switching Protocols');
  });

  void it('counts an IPv4-mapped address as its IPv4 address', async () => {
    assert.equal(await upgradeFrom('192.0.2.7'), 'HTTP/1.1 101 Switching Protocols');
    assert.equal(await upgradeFrom('::ffff:192.0.2.7'), 'HTTP/1.1 101 Switching Protocols');
    assert.equal(await upgradeFrom('::ffff:c000:207'), 'HTTP/1.1 503 Service Unavailable');
    assert.equal(await upgradeFrom('192.0.2.8'), 'HTTP/1.1 101 Switching Protocols');
  });
});

void describe('UnauthenticatedSlots', () => {
  void it('frees a slot once, however often its release is called', () => {
    const slots = new UnauthenticatedSlots(1);
    const release = slots.take('2001:db8::1');
    assert.ok(release);
    assert.equal(slots.take('2001:db8::2'), null, 'same /64');
    release();
    release();
    const again = slots.take('2001:db8::2');
    assert.ok(again);
    assert.equal(slots.take('2001:db8::3'), null, 'a double release did not free a second slot');
    again();
    assert.equal(slots.addresses, 0);
  });
});
