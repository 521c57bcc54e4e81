// PostgreSQL LISTEN/NOTIFY bus, for small clusters that run no Redis. One channel ("sotto_mail");
// every node receives every hint and keeps those for its own devices. Hints of one event-loop turn
// are coalesced into few `SELECT pg_notify(…)` statements, sent on their own after the data commit:
// a NOTIFY inside the data transaction would take PostgreSQL's cluster-wide notify lock at every
// commit (SCALE.md). LISTEN needs a session connection: it does not work through PgBouncer in
// transaction pooling mode. After the listening connection is lost and re-established we fire
// `resync` (notifications sent meanwhile are gone).
import pg from 'pg';
import { Listeners } from './listeners.js';
import { busKey, isBusKey } from './ports.js';
import type { BusDevice, BusHint, DeliveryBus } from './ports.js';

const CHANNEL = 'sotto_mail';
/** Marks a payload entry as a revocation ("!<key>"); a bare key is new mail. */
const REVOKED = '!';
/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD = 7000;

export interface PgBusOptions {
  /** Reconnect delay after the listening connection drops (ms; default 200, doubling up to 2 s). */
  reconnectMs?: number;
}

export async function createPgBus(url: string, options: PgBusOptions = {}): Promise<DeliveryBus> {
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'sotto-bus' });
  pool.on('error', () => undefined);
  const listeners = new Listeners();
  let closed = false;
  let listener: pg.Client | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;

  const onNotification = (msg: pg.Notification) => {
    if (msg.channel !== CHANNEL || typeof msg.payload !== 'string') return;
    for (const entry of msg.payload.split(',')) {
      const revoked = entry.startsWith(REVOKED);
      const key = revoked ? entry.slice(REVOKED.length) : entry;
      if (isBusKey(key) && listeners.has(key)) listeners.fire(key, revoked ? 'revoked' : 'mail');
    }
  };

  const connectListener = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, application_name: 'sotto-bus-listen' });
    c.on('error', () => undefined);
    c.on('notification', onNotification);
    await c.connect();
    try {
      await c.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err;
    }
    c.once('end', () => {
      if (listener === c) listener = undefined;
      if (!closed) scheduleReconnect(options.reconnectMs ?? 200);
    });
    listener = c;
  };

  const scheduleReconnect = (delay: number) => {
    if (closed || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connectListener().then(
        () => listeners.fireResync(),
        () => scheduleReconnect(Math.min(delay * 2, 2000)),
      );
    }, delay);
  };

  await connectListener();

  // Coalesce the hints of one turn into as few NOTIFY statements as fit the payload limit.
  let pending = new Set<string>();
  let flushScheduled = false;
  const flush = async () => {
    flushScheduled = false;
    const keys = [...pending];
    pending = new Set();
    const payloads: string[] = [];
    let cur = '';
    for (const k of keys) {
      if (cur.length + k.length + 1 > MAX_PAYLOAD) {
        payloads.push(cur);
        cur = '';
      }
      cur = cur ? `${cur},${k}` : k;
    }
    if (cur) payloads.push(cur);
    for (const p of payloads) {
      try {
        await pool.query('SELECT pg_notify($1, $2)', [CHANNEL, p]);
      } catch {
        // database unreachable: hints dropped, the mailbox is the truth
      }
    }
  };

  return {
    publish(device: BusDevice, hint: BusHint = 'mail') {
      if (closed) return Promise.resolve();
      pending.add(hint === 'revoked' ? REVOKED + busKey(device) : busKey(device));
      if (!flushScheduled) {
        flushScheduled = true;
        return new Promise<void>((resolve) => setImmediate(() => void flush().then(resolve)));
      }
      return Promise.resolve();
    },
    subscribe(device, l) {
      if (closed) return () => undefined;
      const s = listeners.add(device, l);
      return () => void s.remove();
    },
    onResync: (l) => listeners.onResync(l),
    async close() {
      if (closed) return;
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      listeners.clear();
      const c = listener;
      listener = undefined;
      await Promise.all([c?.end().catch(() => undefined), pool.end().catch(() => undefined)]);
    },
  };
}
