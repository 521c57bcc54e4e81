// Redis pub/sub bus (ioredis): one channel per device ("sotto:mail:<account>.<device>"), SUBSCRIBEd
// while that device has a socket on this node, so a node only receives hints for its own devices.
// Two connections (a subscribed connection cannot publish). ioredis reconnects and re-subscribes by
// itself; when the subscriber is ready again after a loss we fire `resync`, since hints published
// meanwhile are gone (pub/sub does not store them). Sharded pub/sub (SSUBSCRIBE, Redis 7) is the next
// step for Redis Cluster; plain pub/sub suits one Redis primary.
import { Redis } from 'ioredis';
import { redactUrl } from '../config-redact.js';
import { Listeners } from './listeners.js';
import { busKey, isBusKey } from './ports.js';
import type { BusDevice, BusHint, DeliveryBus } from './ports.js';

const PREFIX = 'sotto:mail:';

export interface RedisBusOptions {
  /** Channel prefix (several deployments on one Redis). Default "sotto:mail:". */
  prefix?: string;
}

export async function createRedisBus(url: string, options: RedisBusOptions = {}): Promise<DeliveryBus> {
  const prefix = options.prefix ?? PREFIX;
  const common = {
    lazyConnect: true,
    // Never give up: the bus is optional for correctness but we want it back.
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  };
  const pub = new Redis(url, { ...common, enableAutoPipelining: true });
  const sub = new Redis(url, common);
  // Connection errors surface as events; without listeners ioredis would log them. Never throw.
  // The last one is kept for start-up, where connect() itself only says "Connection is closed."
  let lastError: unknown;
  pub.on('error', (err: unknown) => (lastError = err));
  sub.on('error', (err: unknown) => (lastError = err));
  const listeners = new Listeners();
  let closed = false;
  let lost = false;
  sub.on('close', () => {
    if (!closed) lost = true;
  });
  sub.on('ready', () => {
    if (lost && !closed) {
      lost = false;
      listeners.fireResync();
    }
  });
  // The message says what the hint is: "1" new mail (what every version sends), "revoked".
  sub.on('message', (channel: string, message: string) => {
    if (!channel.startsWith(prefix)) return;
    const key = channel.slice(prefix.length);
    if (isBusKey(key)) listeners.fire(key, message === 'revoked' ? 'revoked' : 'mail');
  });
  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (err) {
    pub.disconnect();
    sub.disconnect();
    throw startupError(url, lastError ?? err);
  }
  return {
    async publish(device: BusDevice, hint: BusHint = 'mail') {
      if (closed) return;
      try {
        await pub.publish(prefix + busKey(device), hint === 'revoked' ? 'revoked' : '1');
      } catch {
        // bus down: the hint is dropped; the recipient drains from the database on (re)connect/resync
      }
    },
    subscribe(device, listener) {
      if (closed) return () => undefined;
      const s = listeners.add(device, listener);
      if (s.first) sub.subscribe(prefix + s.key).catch(() => undefined);
      return () => {
        if (s.remove() && !closed) sub.unsubscribe(prefix + s.key).catch(() => undefined);
      };
    },
    onResync: (l) => listeners.onResync(l),
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      pub.disconnect();
      sub.disconnect();
      await Promise.resolve();
    },
  };
}

/**
 * The relay cannot start without the bus it was told to use: one line naming the bus (credentials
 * redacted) and the socket error, keeping its code (ECONNREFUSED…) so the CLI exits 3, "unavailable".
 */
function startupError(url: string, cause: unknown): Error {
  const code = (cause as { code?: unknown } | undefined)?.code;
  const why = cause instanceof Error ? cause.message : String(cause);
  const err = new Error(`cannot connect to the delivery bus ${redactUrl(url)}: ${why}`);
  return typeof code === 'string' ? Object.assign(err, { code }) : err;
}
