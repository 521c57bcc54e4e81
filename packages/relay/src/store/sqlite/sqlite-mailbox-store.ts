// MailboxStore on SQLite: per-device FIFO keyed (dev, seq), seq allocated from device_queue inside the
// enqueue transaction, unique (dev, envelope_id) for idempotent retries, `queued` kept in step for the
// cap. enqueueMany is one IMMEDIATE transaction; with synchronous=FULL its COMMIT is synced before the
// Promise resolves, so "acknowledged" always means "on disk". Acks (deletes) commit with
// synchronous=NORMAL: they survive a process crash, and the next synced commit makes them durable.
import type { AckItem, AckRequest, EnqueueItem, EnqueueResult, MailboxStore } from '../ports.js';
import { checkAccountId, checkDeviceId, checkInt } from '../guards.js';
import { asRow, int } from '../row-checks.js';
import { checkAck, checkEnqueueItem, envelopeRow } from '../mailbox-checks.js';
import type { SqliteHandle } from './sqlite-handle.js';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

interface QueueState {
  dev: number;
  lastSeq: number;
  queued: number;
  /** envelope ids (hex) stored by this batch, with their seq. */
  added: Map<string, number>;
}

export function sqliteMailboxStore(h: SqliteHandle): MailboxStore {
  const adjustQueued = (dev: number, delta: number) => {
    if (delta !== 0) h.stmt('UPDATE device_queue SET queued = queued + ? WHERE dev = ?').run(delta, dev);
  };

  /** Runs inside a transaction; the caller adjusts `queued`. Deletes are scoped by the acking device's own `dev`. */
  function deleteAcked(dev: number, request: AckRequest): number {
    let n = 0;
    if (request.upToSeq !== undefined && request.upToSeq > 0) {
      n += h.stmt('DELETE FROM mailbox WHERE dev = ? AND seq <= ?').run(dev, request.upToSeq).changes;
    }
    const one = h.stmt('DELETE FROM mailbox WHERE dev = ? AND seq = ?');
    for (const s of request.seqs ?? []) n += one.run(dev, s).changes;
    return n;
  }

  /**
   * Runs inside a transaction: one count per item, in order. A device that sent several acks in the
   * batch (a busy device acks once per event-loop turn) costs one lookup and one counter update.
   */
  function ackAllInTx(items: readonly AckItem[]): number[] {
    const devices = new Map<string, { dev: number | undefined; deleted: number }>();
    const counts = items.map((it) => {
      const key = `${it.accountId}.${it.deviceId}`;
      let d = devices.get(key);
      if (d === undefined) {
        d = { dev: h.dev(it.accountId, it.deviceId), deleted: 0 };
        devices.set(key, d);
      }
      if (d.dev === undefined) return 0;
      const n = deleteAcked(d.dev, it.request);
      d.deleted += n;
      return n;
    });
    for (const d of devices.values()) if (d.dev !== undefined) adjustQueued(d.dev, -d.deleted);
    return counts;
  }

  return {
    enqueueMany(items, options) {
      return h.call(() => {
        items.forEach(checkEnqueueItem);
        checkInt(options.queueCap, 'queueCap', 0);
        if (items.length === 0) return [];
        return h.tx(() => {
          // Per-device state for this batch: read the counter once, allocate seqs here, write once.
          const queues = new Map<string, QueueState | null>();
          const stateOf = (it: EnqueueItem): QueueState | null => {
            const key = `${it.accountId}.${it.deviceId}`;
            let q = queues.get(key);
            if (q === undefined) {
              const v: unknown = h
                .stmt(
                  'SELECT q.dev, q.last_seq, q.queued FROM device d JOIN device_queue q ON q.dev = d.dev ' +
                    'WHERE d.account_id = ? AND d.device_id = ?',
                )
                .get(it.accountId, it.deviceId);
              q =
                v === undefined
                  ? null
                  : {
                      dev: int(asRow(v), 'dev'),
                      lastSeq: int(asRow(v), 'last_seq'),
                      queued: int(asRow(v), 'queued'),
                      added: new Map(),
                    };
              queues.set(key, q);
            }
            return q;
          };
          const existing = h.stmt('SELECT seq FROM mailbox WHERE dev = ? AND envelope_id = ?');
          // A retry hits UNIQUE (dev, envelope_id) and inserts nothing; only then is the old seq read
          // (one statement per new envelope instead of a lookup before every insert).
          const insert = h.stmt(
            'INSERT INTO mailbox (dev, seq, envelope_id, sender_account_id, sender_device_id, server_timestamp, ' +
              'envelope_type, content, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
              'ON CONFLICT (dev, envelope_id) DO NOTHING',
          );
          const duplicateOf = (q: QueueState, it: EnqueueItem): EnqueueResult | null => {
            const old: unknown = existing.get(q.dev, it.envelopeId);
            return old === undefined ? null : { outcome: 'duplicate', seq: int(asRow(old), 'seq') };
          };
          const results = items.map((it): EnqueueResult => {
            const q = stateOf(it);
            if (q === null) return { outcome: 'deviceNotFound', seq: null };
            const idHex = hex(it.envelopeId);
            const again = q.added.get(idHex);
            if (again !== undefined) return { outcome: 'duplicate', seq: again };
            // A full queue still answers a retry of a queued envelope as the duplicate it is.
            if (q.queued >= options.queueCap)
              return duplicateOf(q, it) ?? { outcome: 'queueFull', seq: null };
            const seq = q.lastSeq + 1;
            const inserted = insert.run(
              q.dev,
              seq,
              it.envelopeId,
              it.senderAccountId,
              it.senderDeviceId,
              it.serverTimestamp,
              it.envelopeType,
              it.content,
              it.expiresAt,
            ).changes;
            if (inserted === 0) return duplicateOf(q, it) ?? { outcome: 'duplicate', seq: null };
            q.lastSeq = seq;
            q.queued++;
            q.added.set(idHex, seq);
            return { outcome: 'stored', seq };
          });
          const save = h.stmt('UPDATE device_queue SET last_seq = ?, queued = queued + ? WHERE dev = ?');
          for (const q of queues.values())
            if (q && q.added.size > 0) save.run(q.lastSeq, q.added.size, q.dev);
          return results;
        });
      });
    },

    fetch(accountId, deviceId, afterSeq, limit, now) {
      return h.call(() => {
        checkAccountId(accountId);
        checkDeviceId(deviceId);
        checkInt(afterSeq, 'afterSeq');
        checkInt(limit, 'limit', 0, 100_000);
        if (now !== undefined) checkInt(now, 'now');
        return h
          .stmt(
            'SELECT m.seq, m.envelope_id, m.sender_account_id, m.sender_device_id, m.server_timestamp, ' +
              'm.envelope_type, m.content, m.expires_at FROM mailbox m ' +
              'WHERE m.dev = (SELECT dev FROM device WHERE account_id = ? AND device_id = ?) AND m.seq > ? ' +
              'AND m.expires_at > ? ORDER BY m.seq LIMIT ?',
          )
          .all(accountId, deviceId, afterSeq, now ?? Number.MIN_SAFE_INTEGER, limit)
          .map(envelopeRow);
      });
    },

    ack(accountId, deviceId, request) {
      return h.call(() => {
        checkAck(accountId, deviceId, request);
        return h.tx(() => ackAllInTx([{ accountId, deviceId, request }])[0]!, 'relaxed');
      });
    },

    ackMany(items) {
      return h.call(() => {
        items.forEach((it) => checkAck(it.accountId, it.deviceId, it.request));
        // Relaxed durability: a delete lost to a power failure is a redelivery, never a loss.
        return h.tx(() => ackAllInTx(items), 'relaxed');
      });
    },

    queuedCount(accountId, deviceId) {
      return h.call(() => {
        checkAccountId(accountId);
        checkDeviceId(deviceId);
        const v: unknown = h
          .stmt(
            'SELECT q.queued FROM device d JOIN device_queue q ON q.dev = d.dev WHERE d.account_id = ? AND d.device_id = ?',
          )
          .get(accountId, deviceId);
        return v === undefined ? 0 : int(asRow(v), 'queued');
      });
    },

    sweepExpired(now, limit) {
      return h.call(() => {
        checkInt(now, 'now');
        checkInt(limit, 'limit', 1, 1_000_000);
        return h.tx(() => {
          const devs = h
            .stmt(
              'DELETE FROM mailbox WHERE rowid IN ' +
                '(SELECT rowid FROM mailbox WHERE expires_at <= ? ORDER BY expires_at LIMIT ?) RETURNING dev',
            )
            .all(now, limit)
            .map((v) => int(asRow(v), 'dev'));
          const perDev = new Map<number, number>();
          for (const d of devs) perDev.set(d, (perDev.get(d) ?? 0) + 1);
          for (const [dev, n] of perDev) adjustQueued(dev, -n);
          return devs.length;
        });
      });
    },
  };
}
