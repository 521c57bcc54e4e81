// MailboxStore on PostgreSQL. enqueueMany is one transaction: it locks the recipients' device_queue
// rows (FOR UPDATE, in `dev` order so concurrent batches from several nodes never deadlock), allocates
// seqs from last_seq, inserts all rows with one INSERT … ON CONFLICT (dev, envelope_id) DO NOTHING and
// writes the counters back. Holding the counter row until COMMIT makes commit order = seq order per
// device, so a reader never sees seq N+1 before seq N. Acks and the sweeper lock the same rows in the
// same order.
import type { AckItem, EnqueueItem, EnqueueResult, MailboxStore } from '../ports.js';
import { checkAccountId, checkDeviceId, checkInt } from '../guards.js';
import { asRow, bytes, int, text } from '../row-checks.js';
import { checkAck, checkEnqueueItem, envelopeRow } from '../mailbox-checks.js';
import { buf } from './pg-handle.js';
import type { PgHandle, Queryable } from './pg-handle.js';

const hex = (b: Uint8Array): string => buf(b).toString('hex');
const key = (accountId: string, deviceId: number) => `${accountId}.${deviceId}`;

interface QueueState {
  dev: number;
  lastSeq: number;
  queued: number;
  /** envelope ids (hex) stored by this batch, with their seq. */
  added: Map<string, number>;
}

/** Locks the device_queue rows of these devices in dev order; returns them by "account.device". */
async function lockQueues(
  c: Queryable,
  devices: readonly { accountId: string; deviceId: number }[],
): Promise<Map<string, QueueState>> {
  const uniq = [...new Map(devices.map((d) => [key(d.accountId, d.deviceId), d])).values()];
  const { rows } = await c.query(
    'SELECT d.account_id::text AS account_id, d.device_id, q.dev, q.last_seq, q.queued ' +
      'FROM device d JOIN device_queue q ON q.dev = d.dev ' +
      'WHERE (d.account_id, d.device_id) IN (SELECT * FROM unnest($1::uuid[], $2::integer[])) ' +
      'ORDER BY q.dev FOR UPDATE OF q',
    [uniq.map((d) => d.accountId), uniq.map((d) => d.deviceId)],
  );
  const out = new Map<string, QueueState>();
  for (const v of rows) {
    const r = asRow(v);
    out.set(key(text(r, 'account_id'), int(r, 'device_id')), {
      dev: int(r, 'dev'),
      lastSeq: int(r, 'last_seq'),
      queued: int(r, 'queued'),
      added: new Map(),
    });
  }
  return out;
}

/**
 * Deletes each item's acknowledged rows and adjusts the counters, inside a transaction, in ONE
 * statement however many items and devices there are: a round trip per item would hold the queue
 * locks (and block enqueues to those devices) for the whole batch, and a device often sends several
 * acks within one batch. Each item counts the rows it deletes itself, as if the items ran one after
 * another: a row that several items of one device match is the earliest one's.
 */
async function ackInTx(c: Queryable, items: readonly AckItem[]): Promise<number[]> {
  const queues = await lockQueues(c, items);
  const upDev: number[] = [];
  const upTo: number[] = [];
  const upOrd: number[] = [];
  const listDev: number[] = [];
  const listSeq: number[] = [];
  const listOrd: number[] = [];
  items.forEach((it, i) => {
    const dev = queues.get(key(it.accountId, it.deviceId))?.dev;
    if (dev === undefined) return;
    upDev.push(dev);
    upTo.push(it.request.upToSeq ?? 0);
    upOrd.push(i);
    for (const s of it.request.seqs ?? []) {
      listDev.push(dev);
      listSeq.push(s);
      listOrd.push(i);
    }
  });
  const counts = items.map(() => 0);
  if (upDev.length === 0) return counts;
  const { rows } = await c.query(
    'WITH r AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::integer[]) AS t(dev, upto, ord)), ' +
      'l AS (SELECT * FROM unnest($4::bigint[], $5::bigint[], $6::integer[]) AS t(dev, seq, ord)), ' +
      'hit AS (SELECT x.dev, x.seq, min(x.ord) AS ord FROM (' +
      'SELECT m.dev, m.seq, r.ord FROM mailbox m JOIN r ON m.dev = r.dev AND m.seq <= r.upto ' +
      'UNION ALL SELECT m.dev, m.seq, l.ord FROM mailbox m JOIN l ON m.dev = l.dev AND m.seq = l.seq' +
      ') x GROUP BY x.dev, x.seq), ' +
      'd AS (DELETE FROM mailbox m USING hit WHERE m.dev = hit.dev AND m.seq = hit.seq RETURNING m.dev, m.seq), ' +
      'g AS (SELECT hit.dev, hit.ord FROM d JOIN hit ON hit.dev = d.dev AND hit.seq = d.seq), ' +
      'n AS (SELECT dev, count(*)::integer AS n FROM g GROUP BY dev), ' +
      'u AS (UPDATE device_queue q SET queued = q.queued - n.n FROM n WHERE q.dev = n.dev RETURNING q.dev) ' +
      'SELECT ord, count(*)::integer AS n FROM g GROUP BY ord',
    [upDev, upTo, upOrd, listDev, listSeq, listOrd],
  );
  for (const v of rows) {
    const r = asRow(v);
    const ord = int(r, 'ord');
    if (ord < counts.length) counts[ord] = int(r, 'n');
  }
  return counts;
}

/**
 * Acks commit without waiting for the WAL flush (`synchronous_commit = off` for this transaction
 * only): the server may lose the last of them in a crash of PostgreSQL itself, which means a
 * redelivery that clients deduplicate, never a lost message. Enqueues always wait for the flush.
 */
async function relaxedAckInTx(c: Queryable, items: readonly AckItem[]): Promise<number[]> {
  await c.query('SET LOCAL synchronous_commit TO OFF');
  return ackInTx(c, items);
}

export function pgMailboxStore(h: PgHandle): MailboxStore {
  return {
    async enqueueMany(items, options) {
      items.forEach(checkEnqueueItem);
      checkInt(options.queueCap, 'queueCap', 0);
      if (items.length === 0) return [];
      return h.tx(async (c) => {
        const queues = await lockQueues(c, items);
        // Ids already queued (a sender's retry): reported as duplicates with their original seq.
        const known = new Map<string, number>();
        const probe = items.flatMap((it) => {
          const q = queues.get(key(it.accountId, it.deviceId));
          return q ? [{ dev: q.dev, id: it.envelopeId }] : [];
        });
        if (probe.length > 0) {
          const { rows } = await c.query(
            'SELECT m.dev, m.envelope_id, m.seq FROM mailbox m ' +
              'JOIN unnest($1::bigint[], $2::bytea[]) AS p(dev, id) ON m.dev = p.dev AND m.envelope_id = p.id',
            [probe.map((p) => p.dev), probe.map((p) => buf(p.id))],
          );
          for (const v of rows) {
            const r = asRow(v);
            known.set(`${int(r, 'dev')}.${hex(bytes(r, 'envelope_id'))}`, int(r, 'seq'));
          }
        }
        const ins: { q: QueueState; seq: number; it: EnqueueItem }[] = [];
        const results = items.map((it): EnqueueResult => {
          const q = queues.get(key(it.accountId, it.deviceId));
          if (!q) return { outcome: 'deviceNotFound', seq: null };
          const idHex = hex(it.envelopeId);
          const again = q.added.get(idHex) ?? known.get(`${q.dev}.${idHex}`);
          if (again !== undefined) return { outcome: 'duplicate', seq: again };
          if (q.queued >= options.queueCap) return { outcome: 'queueFull', seq: null };
          const seq = ++q.lastSeq;
          q.queued++;
          q.added.set(idHex, seq);
          ins.push({ q, seq, it });
          return { outcome: 'stored', seq };
        });
        if (ins.length > 0) {
          await c.query(
            'INSERT INTO mailbox (dev, seq, envelope_id, sender_account_id, sender_device_id, server_timestamp, ' +
              'envelope_type, content, expires_at) ' +
              'SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::uuid[], $5::integer[], ' +
              '$6::bigint[], $7::integer[], $8::bytea[], $9::bigint[]) ' +
              'ON CONFLICT (dev, envelope_id) DO NOTHING',
            [
              ins.map((x) => x.q.dev),
              ins.map((x) => x.seq),
              ins.map((x) => buf(x.it.envelopeId)),
              ins.map((x) => x.it.senderAccountId),
              ins.map((x) => x.it.senderDeviceId),
              ins.map((x) => x.it.serverTimestamp),
              ins.map((x) => x.it.envelopeType),
              ins.map((x) => buf(x.it.content)),
              ins.map((x) => x.it.expiresAt),
            ],
          );
          const touched = [...queues.values()].filter((q) => q.added.size > 0);
          await c.query(
            'UPDATE device_queue q SET last_seq = v.last_seq, queued = q.queued + v.n ' +
              'FROM unnest($1::bigint[], $2::bigint[], $3::integer[]) AS v(dev, last_seq, n) WHERE q.dev = v.dev',
            [touched.map((q) => q.dev), touched.map((q) => q.lastSeq), touched.map((q) => q.added.size)],
          );
        }
        return results;
      });
    },

    async fetch(accountId, deviceId, afterSeq, limit, now) {
      checkAccountId(accountId);
      checkDeviceId(deviceId);
      checkInt(afterSeq, 'afterSeq');
      checkInt(limit, 'limit', 0, 100_000);
      if (now !== undefined) checkInt(now, 'now');
      const rows = await h.query(
        'SELECT m.seq, m.envelope_id, m.sender_account_id::text AS sender_account_id, m.sender_device_id, ' +
          'm.server_timestamp, m.envelope_type, m.content, m.expires_at FROM mailbox m ' +
          'WHERE m.dev = (SELECT dev FROM device WHERE account_id = $1 AND device_id = $2) AND m.seq > $3 ' +
          'AND m.expires_at > $5 ORDER BY m.seq LIMIT $4',
        [accountId, deviceId, afterSeq, limit, now ?? Number.MIN_SAFE_INTEGER],
      );
      return rows.map(envelopeRow);
    },

    async ack(accountId, deviceId, request) {
      checkAck(accountId, deviceId, request);
      const [n] = await h.tx((c) => relaxedAckInTx(c, [{ accountId, deviceId, request }]));
      return n ?? 0;
    },

    async ackMany(items) {
      items.forEach((it) => checkAck(it.accountId, it.deviceId, it.request));
      if (items.length === 0) return [];
      return h.tx((c) => relaxedAckInTx(c, items));
    },

    async queuedCount(accountId, deviceId) {
      checkAccountId(accountId);
      checkDeviceId(deviceId);
      const rows = await h.query(
        'SELECT q.queued FROM device d JOIN device_queue q ON q.dev = d.dev WHERE d.account_id = $1 AND d.device_id = $2',
        [accountId, deviceId],
      );
      return rows[0] === undefined ? 0 : int(asRow(rows[0]), 'queued');
    },

    async sweepExpired(now, limit) {
      checkInt(now, 'now');
      checkInt(limit, 'limit', 1, 1_000_000);
      return h.tx(async (c) => {
        // The same lock order as enqueues and acks: first the queue rows of the devices concerned, in
        // dev order, then their mailbox rows. (Locking the expired rows first, then the counters, let
        // an ack holding a device's counter and waiting for one of those rows deadlock with it.)
        const candidates = await c.query(
          'SELECT dev, seq FROM mailbox WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2',
          [now, limit],
        );
        if (candidates.rows.length === 0) return 0;
        const dev: number[] = [];
        const seq: number[] = [];
        for (const v of candidates.rows) {
          const r = asRow(v);
          dev.push(int(r, 'dev'));
          seq.push(int(r, 'seq'));
        }
        await c.query('SELECT dev FROM device_queue WHERE dev = ANY($1::bigint[]) ORDER BY dev FOR UPDATE', [
          [...new Set(dev)],
        ]);
        // Rows an ack or another node's sweep deleted in the meantime are simply not found.
        const { rows } = await c.query(
          'DELETE FROM mailbox m USING unnest($1::bigint[], $2::bigint[]) AS v(dev, seq) ' +
            'WHERE m.dev = v.dev AND m.seq = v.seq AND m.expires_at <= $3 RETURNING m.dev',
          [dev, seq, now],
        );
        const perDev = new Map<number, number>();
        for (const v of rows) {
          const dev = int(asRow(v), 'dev');
          perDev.set(dev, (perDev.get(dev) ?? 0) + 1);
        }
        const devs = [...perDev.keys()].sort((a, b) => a - b);
        if (devs.length > 0) {
          await c.query(
            'UPDATE device_queue q SET queued = q.queued - v.n ' +
              'FROM unnest($1::bigint[], $2::integer[]) AS v(dev, n) WHERE q.dev = v.dev',
            [devs, devs.map((d) => perDev.get(d))],
          );
        }
        return rows.length;
      });
    },
  };
}
