/**
 * Pending outgoing envelopes that survive restarts. An entry holds either the plaintext to
 * (re)encrypt (before sessions exist) or the per-device ciphertexts already produced (so a retry
 * resubmits the SAME envelope id and bytes and the relay can dedupe it), plus retry bookkeeping.
 */
import { z } from 'zod';
import type { EncryptedStore, StoreOp } from '../storage/encrypted-store.js';
import { decodeRecord, encodeChecked, zBytes, zTime } from './codec.js';
import { TABLES } from './tables.js';

const deviceCiphertextSchema = z.strictObject({
  deviceId: z.number().int().min(1).max(127),
  registrationId: z.number().int().nonnegative().optional(),
  /** Ciphertext message type (e.g. 2 = whisper, 3 = prekey). */
  type: z.number().int(),
  ciphertext: zBytes,
});
export type DeviceCiphertext = z.output<typeof deviceCiphertextSchema>;

const outboxSchema = z.strictObject({
  messageId: z.string().regex(/^[0-9a-f]{32}$/),
  /** Envelope id submitted to the relay (client-chosen, stable across retries). */
  envelopeId: z.string().min(1),
  recipient: z.string().min(1),
  plaintext: zBytes.optional(),
  ciphertexts: z.array(deviceCiphertextSchema).optional(),
  attempts: z.number().int().nonnegative(),
  nextAttemptAt: zTime,
  createdAt: zTime,
  lastError: z.string().optional(),
});
export type OutboxEntry = z.output<typeof outboxSchema>;

export class OutboxRepo {
  constructor(private readonly store: EncryptedStore) {}

  putOps(entry: OutboxEntry): StoreOp[] {
    return [
      {
        op: 'put',
        table: TABLES.outbox,
        key: [entry.messageId],
        value: encodeChecked(outboxSchema, entry, 'outbox'),
      },
    ];
  }

  async put(entry: OutboxEntry): Promise<void> {
    await this.store.batch(this.putOps(entry));
  }

  async get(messageId: string): Promise<OutboxEntry | undefined> {
    const b = await this.store.get(TABLES.outbox, [messageId]);
    return b === undefined ? undefined : decodeRecord(outboxSchema, b, 'outbox');
  }

  /** All entries, oldest first. */
  async list(): Promise<OutboxEntry[]> {
    const rows = await this.store.scan(TABLES.outbox);
    return rows
      .map((r) => decodeRecord(outboxSchema, r.value, 'outbox'))
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Entries whose next attempt is due at `now`, oldest first. */
  async due(now: number): Promise<OutboxEntry[]> {
    return (await this.list()).filter((e) => e.nextAttemptAt <= now);
  }

  /** Records a failed attempt and when to try again. */
  async recordAttempt(
    messageId: string,
    nextAttemptAt: number,
    lastError?: string,
  ): Promise<OutboxEntry | undefined> {
    const e = await this.get(messageId);
    if (e === undefined) return undefined;
    const next: OutboxEntry = {
      ...e,
      attempts: e.attempts + 1,
      nextAttemptAt,
      ...(lastError !== undefined ? { lastError } : {}),
    };
    await this.put(next);
    return next;
  }

  removeOps(messageId: string): StoreOp[] {
    return [{ op: 'delete', table: TABLES.outbox, key: [messageId] }];
  }

  async remove(messageId: string): Promise<void> {
    await this.store.batch(this.removeOps(messageId));
  }
}
