/**
 * Received-envelope ids already processed, so a redelivered envelope (the relay resends until the
 * ack) is acked without being decrypted or stored twice. Pruned by age: keep entries at least as
 * long as the relay may redeliver (its mailbox TTL).
 */
import { z } from 'zod';
import type { EncryptedStore, StoreOp } from '../storage/encrypted-store.js';
import { decodeRecord, encodeChecked, zTime } from './codec.js';
import { TABLES } from './tables.js';

const seenSchema = z.strictObject({ envelopeId: z.string().min(1), seenAt: zTime });

export class SeenEnvelopes {
  constructor(private readonly store: EncryptedStore) {}

  async has(envelopeId: string): Promise<boolean> {
    return (await this.store.get(TABLES.seen, [envelopeId])) !== undefined;
  }

  addOps(envelopeId: string, seenAt: number): StoreOp[] {
    return [
      {
        op: 'put',
        table: TABLES.seen,
        key: [envelopeId],
        value: encodeChecked(seenSchema, { envelopeId, seenAt }, 'seen'),
      },
    ];
  }

  async add(envelopeId: string, seenAt: number): Promise<void> {
    await this.store.batch(this.addOps(envelopeId, seenAt));
  }

  /** Deletes entries seen before `olderThan` (ms); returns how many were removed. */
  async prune(olderThan: number): Promise<number> {
    const rows = await this.store.scan(TABLES.seen);
    const ops: StoreOp[] = [];
    for (const r of rows) {
      // Keys are blinded, so the id is kept in the value to delete by.
      const e = decodeRecord(seenSchema, r.value, 'seen');
      if (e.seenAt < olderThan) ops.push({ op: 'delete', table: TABLES.seen, key: [e.envelopeId] });
    }
    await this.store.batch(ops);
    return ops.length;
  }

  async count(): Promise<number> {
    return this.store.count(TABLES.seen);
  }
}
