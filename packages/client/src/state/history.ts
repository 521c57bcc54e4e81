/**
 * Per-conversation message history. Keys: history [conversationId (blinded), seq (u64, clear)], so
 * a conversation lists in order with one range scan; history_ids [conversationId, messageId] → seq
 * finds a message for receipts; conversations [conversationId] holds the next seq and unread count.
 *
 * Single writer: appends read the conversation's counter, so callers serialise writes (the
 * messenger's receive loop does); `appendOps` lets a caller commit the message in the SAME batch as
 * the session state and the dedupe mark (crash-safe receive: persist, then ack).
 */
import { z } from 'zod';
import type { EncryptedStore, StoreOp } from '../storage/encrypted-store.js';
import { StorageError } from '../storage/errors.js';
import { decodeRecord, encodeChecked, zTime } from './codec.js';
import { TABLES } from './tables.js';

export const DELIVERY_STATES = ['none', 'sent', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

const messageSchema = z.strictObject({
  conversationId: z.string().min(1),
  seq: z.number().int().nonnegative(),
  /** Client-chosen message id (32 lower-case hex). */
  messageId: z.string().regex(/^[0-9a-f]{32}$/),
  direction: z.enum(['in', 'out']),
  senderDevice: z.number().int().min(1).max(127),
  sentAt: zTime,
  receivedAt: zTime.optional(),
  text: z.string(),
  delivery: z.enum(DELIVERY_STATES),
});
export type StoredMessage = z.output<typeof messageSchema>;
export type NewMessage = Omit<StoredMessage, 'seq'>;

const conversationSchema = z.strictObject({
  conversationId: z.string().min(1),
  nextSeq: z.number().int().nonnegative(),
  unread: z.number().int().nonnegative(),
  lastActivityAt: zTime,
});
export type ConversationSummary = z.output<typeof conversationSchema>;

const idSchema = z.strictObject({ seq: z.number().int().nonnegative() });

export interface ListOptions {
  /** At most this many (the newest ones); default 50. */
  limit?: number;
  /** Only messages with seq < beforeSeq (paging backwards). */
  beforeSeq?: number;
}

export class HistoryRepo {
  constructor(private readonly store: EncryptedStore) {}

  async conversation(conversationId: string): Promise<ConversationSummary | undefined> {
    const b = await this.store.get(TABLES.conversations, [conversationId]);
    return b === undefined ? undefined : decodeRecord(conversationSchema, b, 'conversation');
  }

  /** Every conversation, most recent activity first. */
  async conversations(): Promise<ConversationSummary[]> {
    const rows = await this.store.scan(TABLES.conversations);
    return rows
      .map((r) => decodeRecord(conversationSchema, r.value, 'conversation'))
      .sort((a, b) => b.lastActivityAt - a.lastActivityAt);
  }

  /** Ops that append `msg` (incoming messages count as unread) and the message as stored. */
  async appendOps(msg: NewMessage): Promise<{ ops: StoreOp[]; message: StoredMessage }> {
    const conv = (await this.conversation(msg.conversationId)) ?? {
      conversationId: msg.conversationId,
      nextSeq: 0,
      unread: 0,
      lastActivityAt: 0,
    };
    const message: StoredMessage = { ...msg, seq: conv.nextSeq };
    const nextConv: ConversationSummary = {
      ...conv,
      nextSeq: conv.nextSeq + 1,
      unread: conv.unread + (msg.direction === 'in' ? 1 : 0),
      lastActivityAt: Math.max(conv.lastActivityAt, msg.receivedAt ?? msg.sentAt),
    };
    const id = msg.conversationId;
    return {
      message,
      ops: [
        {
          op: 'put',
          table: TABLES.history,
          key: [id, message.seq],
          value: encodeChecked(messageSchema, message, 'message'),
        },
        {
          op: 'put',
          table: TABLES.historyIds,
          key: [id, msg.messageId],
          value: encodeChecked(idSchema, { seq: message.seq }, 'id'),
        },
        {
          op: 'put',
          table: TABLES.conversations,
          key: [id],
          value: encodeChecked(conversationSchema, nextConv, 'conversation'),
        },
      ],
    };
  }

  async append(msg: NewMessage): Promise<StoredMessage> {
    const { ops, message } = await this.appendOps(msg);
    await this.store.batch(ops);
    return message;
  }

  /** The newest `limit` messages (before `beforeSeq`), returned oldest first. */
  async list(conversationId: string, options: ListOptions = {}): Promise<StoredMessage[]> {
    const limit = options.limit ?? 50;
    const rows = await this.store.scan(TABLES.history, [conversationId], {
      reverse: true,
      limit,
      ...(options.beforeSeq !== undefined ? { lt: [conversationId, options.beforeSeq] } : {}),
    });
    return rows.map((r) => decodeRecord(messageSchema, r.value, 'message')).reverse();
  }

  async get(conversationId: string, messageId: string): Promise<StoredMessage | undefined> {
    const b = await this.store.get(TABLES.historyIds, [conversationId, messageId]);
    if (b === undefined) return undefined;
    const { seq } = decodeRecord(idSchema, b, 'id');
    const m = await this.store.get(TABLES.history, [conversationId, seq]);
    return m === undefined ? undefined : decodeRecord(messageSchema, m, 'message');
  }

  /** Whether a message id is already in this conversation (dedupe by content id). */
  async has(conversationId: string, messageId: string): Promise<boolean> {
    return (await this.store.get(TABLES.historyIds, [conversationId, messageId])) !== undefined;
  }

  async setDelivery(
    conversationId: string,
    messageId: string,
    delivery: DeliveryState,
  ): Promise<StoredMessage> {
    const m = await this.get(conversationId, messageId);
    if (m === undefined) throw new StorageError('InvalidArgument', 'unknown message');
    const next: StoredMessage = { ...m, delivery };
    await this.store.put(
      TABLES.history,
      [conversationId, m.seq],
      encodeChecked(messageSchema, next, 'message'),
    );
    return next;
  }

  async unreadCount(conversationId: string): Promise<number> {
    return (await this.conversation(conversationId))?.unread ?? 0;
  }

  async markRead(conversationId: string): Promise<void> {
    const c = await this.conversation(conversationId);
    if (c === undefined || c.unread === 0) return;
    await this.store.put(
      TABLES.conversations,
      [conversationId],
      encodeChecked(conversationSchema, { ...c, unread: 0 }, 'conversation'),
    );
  }
}
