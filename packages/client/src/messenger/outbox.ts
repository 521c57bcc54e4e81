/**
 * The outbox: messages are persisted (history "sending" + outbox entry, one batch) BEFORE the
 * first attempt; a worker delivers each leg with retries (exponential backoff + jitter) until the
 * relay accepts, and survives restarts because it only ever works from what is stored.
 */
import { RelayError, bytesToUuid } from '@sotto/wire';
import { backoffDelay } from './backoff.js';
import { encodeContent, type Content } from './content.js';
import type { MessengerContext } from './context.js';
import { MessengerError } from './errors.js';
import type { HistoryEntry } from './history-record.js';
import { idFromHex, idToHex, newId } from './ids.js';
import { LocalState } from './local-state.js';
import type { OutboxEntry } from './outbox-record.js';
import { deliverLeg, type LegOutcome } from './leg-delivery.js';

/** Persists a text for `contactAccountId` in history ("sending") and the outbox, atomically. */
export async function enqueueText(
  ctx: MessengerContext,
  contactAccountId: string,
  text: string,
): Promise<HistoryEntry> {
  const messageId = newId(ctx.random);
  const sentAt = nextSentAt(ctx);
  return ctx.lock.run(async () => {
    const state = new LocalState(ctx.store);
    await checkSendable(state, contactAccountId);
    const entry: HistoryEntry = {
      id: idToHex(messageId),
      contact: contactAccountId,
      direction: 'out',
      text,
      sentAt,
      receivedAt: null,
      state: 'sending',
    };
    // Due now by the clock: sentAt may be ahead of it (nextSentAt).
    await queueText(ctx, state, entry, messageId, ctx.clock.now());
    return entry;
  });
}

/**
 * Puts a failed outgoing text back in the outbox (history "failed" → "sending"), atomically: same
 * message id and sentAt, so it keeps its place in history and a receiver that somehow has it already
 * drops the copy. The caller kicks the worker.
 */
export async function requeueFailedText(
  ctx: MessengerContext,
  contactAccountId: string,
  id: string,
): Promise<HistoryEntry> {
  const messageId = idFromHex(id);
  if (!messageId) throw new MessengerError('InvalidArgument', 'not a message id');
  return ctx.lock.run(async () => {
    const state = new LocalState(ctx.store);
    const h = await state.historyById(id);
    if (!h || h.contact !== contactAccountId || h.direction !== 'out' || h.state !== 'failed') {
      throw new MessengerError('InvalidArgument', 'no failed message with that id in this conversation');
    }
    await checkSendable(state, contactAccountId);
    const entry: HistoryEntry = { ...h, state: 'sending' };
    await queueText(ctx, state, entry, messageId, ctx.clock.now());
    return entry;
  });
}

/** The sentAt this messenger gave its last text. */
const lastSentAt = new WeakMap<MessengerContext, number>();

/**
 * The clock, or 1 ms past this messenger's previous text when the clock has not moved beyond it
 * (several texts in one millisecond, as a piped `sotto chat` sends them, or a clock set back).
 * History is ordered by sentAt on both sides, and texts with equal sentAt would fall back to the
 * order of their random ids.
 */
function nextSentAt(ctx: MessengerContext): number {
  const t = Math.max(ctx.clock.now(), (lastSentAt.get(ctx) ?? 0) + 1);
  lastSentAt.set(ctx, t);
  return t;
}

/** A text can go to a known contact whose safety number change, if any, was accepted. */
async function checkSendable(state: LocalState, contactAccountId: string): Promise<void> {
  const contact = await state.contact(contactAccountId);
  if (!contact) throw new MessengerError('UnknownContact', 'no such contact');
  if (contact.change) {
    throw new MessengerError(
      'IdentityChanged',
      `the safety number with ${contact.name} changed; accept it first`,
    );
  }
}

/**
 * Writes `entry` (state "sending") and its outbox entry, then commits: one leg to the contact and a
 * "sent" sync copy to this account's other devices, both carrying the entry's id, sentAt and text.
 */
async function queueText(
  ctx: MessengerContext,
  state: LocalState,
  entry: HistoryEntry,
  messageId: Uint8Array,
  now: number,
): Promise<void> {
  const { contact, sentAt, text } = entry;
  const content = encodeContent({ kind: 'text', messageId, sentAt, text });
  const sync = encodeContent({ kind: 'sent', messageId, sentAt, destination: uuidBytes(contact), text });
  await state.putHistory(entry);
  state.putOutbox({
    id: entry.id,
    kind: 'text',
    contact,
    legs: [
      { recipient: contact, content, envelopeIds: {}, done: false },
      { recipient: ctx.accountId, content: sync, envelopeIds: {}, done: false },
    ],
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
  });
  await state.commit();
}

/** Adds a delivery receipt for `targetIds` to `state`'s batch (the caller commits). */
export function enqueueReceipt(
  ctx: MessengerContext,
  state: LocalState,
  recipient: string,
  targetIds: Uint8Array[],
): void {
  const messageId = newId(ctx.random);
  const now = ctx.clock.now();
  const content: Content = { kind: 'receipt', messageId, sentAt: now, targetIds };
  state.putOutbox({
    id: idToHex(messageId),
    kind: 'receipt',
    contact: recipient,
    legs: [{ recipient, content: encodeContent(content), envelopeIds: {}, done: false }],
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
  });
}

/** Queues `content` for our own other devices only (contacts sync, sync requests). */
export function enqueueOwnDevices(ctx: MessengerContext, state: LocalState, content: Content): void {
  const now = ctx.clock.now();
  state.putOutbox({
    id: idToHex(content.messageId),
    kind: 'sync',
    contact: ctx.accountId,
    legs: [{ recipient: ctx.accountId, content: encodeContent(content), envelopeIds: {}, done: false }],
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
  });
}

/**
 * Takes every outbox entry of the conversation with `accountId` (texts and delivery receipts) out of
 * `state`'s batch: the contact was removed, or moved to another account, so nothing queued for it
 * may go out any more (there would be no trusted key to send it under). With `markFailed`, texts
 * still "sending" become "failed" in history (when it is kept). Returns the ids of the texts taken
 * out; the caller commits, then settles their waiters (OutboxWorker.abandon).
 */
export async function dropOutboxFor(
  state: LocalState,
  accountId: string,
  markFailed: boolean,
): Promise<string[]> {
  const texts: string[] = [];
  for (const o of await state.outbox()) {
    if (o.kind === 'sync' || o.contact !== accountId) continue;
    state.deleteOutbox(o.id);
    if (o.kind !== 'text') continue;
    texts.push(o.id);
    const h = markFailed ? await state.historyById(o.id) : undefined;
    if (h && h.state === 'sending') await state.putHistory({ ...h, state: 'failed' });
  }
  return texts;
}

export function uuidBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  if (bytesToUuid(out) !== uuid) throw new MessengerError('InvalidArgument', 'account id is not a UUID');
  return out;
}

export interface OutboxCallbacks {
  /** An outgoing text changed state (sent / failed). */
  onState(contact: string, id: string, state: 'sent' | 'failed'): void;
  onIdentityChanged(accountId: string): void;
  onError(err: MessengerError, contact: string): void;
}

/**
 * Runs the outbox: one pass at a time; due entries in creation order; a timer for the next retry.
 */
export class OutboxWorker {
  private running: Promise<void> | null = null;
  private again = false;
  private cancelTimer: (() => void) | null = null;
  private stopped = false;
  /** The next pass attempts every entry, due or not (see retryAll). */
  private ignoreBackoff = false;
  private readonly waiters = new Map<string, { resolve: () => void; reject: (e: unknown) => void }[]>();

  constructor(
    private readonly ctx: MessengerContext,
    private readonly callbacks: OutboxCallbacks,
  ) {}

  /** Resolves when message `id` has been accepted by the relay; rejects if it failed for good. */
  whenSent(id: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(id) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(id, list);
    });
  }

  private settle(id: string, err?: unknown): void {
    for (const w of this.waiters.get(id) ?? []) {
      if (err === undefined) w.resolve();
      else w.reject(err);
    }
    this.waiters.delete(id);
  }

  /**
   * The next pass attempts every entry, even those whose backoff has not run out: the relay
   * connection just (re)opened, which is what they were waiting for. Otherwise a `sotto send`
   * started while an earlier one's message sits out its backoff (up to a minute) would leave it
   * queued, its own pass skipping it.
   */
  retryAllOnNextPass(): void {
    this.ignoreBackoff = true;
  }

  /** Starts a pass now (or right after the current one). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((e: unknown) => this.callbacks.onError(asMessengerError(e), ''))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Waits for the current pass (tests, close()). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * One more pass over everything due now (after the pass in progress, if any), and waits for it.
   * Entries that need a retry stay queued for their next attempt: this does not wait for backoff.
   */
  async flush(): Promise<void> {
    if (this.stopped) return;
    this.kick();
    await this.idle();
  }

  /** Message `id` was taken out of the outbox (dropOutboxFor): its `accepted` rejects with `err`. */
  abandon(id: string, err: MessengerError): void {
    this.settle(id, err);
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    for (const id of [...this.waiters.keys()])
      this.settle(id, new MessengerError('Closed', 'messenger closed'));
  }

  private async pass(): Promise<void> {
    const all = this.ignoreBackoff;
    this.ignoreBackoff = false;
    const entries = await new LocalState(this.ctx.store).outbox();
    const now = this.ctx.clock.now();
    let nextDue = Infinity;
    for (const entry of entries) {
      if (this.stopped) return;
      if (!all && entry.nextAttemptAt > now) {
        nextDue = Math.min(nextDue, entry.nextAttemptAt);
        continue;
      }
      const retryAt = await this.attempt(entry);
      if (retryAt !== undefined) nextDue = Math.min(nextDue, retryAt);
    }
    if (nextDue !== Infinity && !this.stopped) {
      this.cancelTimer?.();
      this.cancelTimer = this.ctx.clock.schedule(Math.max(0, nextDue - this.ctx.clock.now()), () => {
        this.cancelTimer = null;
        this.kick();
      });
    }
  }

  /** One attempt at every pending leg of `entry`; returns when to retry, or undefined when finished. */
  private async attempt(entry: OutboxEntry): Promise<number | undefined> {
    let retry = false;
    let failed = false;
    let error: MessengerError | undefined;
    for (const leg of entry.legs) {
      if (leg.done) continue;
      let r: LegOutcome;
      try {
        r = await deliverLeg(this.ctx, entry, leg, (id) => this.callbacks.onIdentityChanged(id));
      } catch (e) {
        error = asMessengerError(e);
        r = PERMANENT.has(error.code) ? 'failed' : 'retry';
      }
      if (r === 'accepted') {
        leg.done = true;
        if (entry.kind === 'text' && leg.recipient === entry.contact) await this.markSent(entry);
      } else if (r === 'failed') {
        // Only the contact's leg decides the message's fate; a lost sync copy is not fatal.
        if (leg.recipient === entry.contact) failed = true;
        else leg.done = true;
      } else {
        retry = true;
      }
    }
    const outcome: LegOutcome = failed ? 'failed' : retry ? 'retry' : 'accepted';
    // A sync entry's `contact` is our own account: no conversation to name.
    if (error) this.callbacks.onError(error, entry.kind === 'sync' ? '' : entry.contact);
    return this.ctx.lock.run(async () => {
      const state = new LocalState(this.ctx.store);
      const stored = await state.outboxEntry(entry.id);
      if (!stored) return undefined;
      if (outcome === 'accepted') {
        state.deleteOutbox(entry.id);
        await state.commit();
        return undefined;
      }
      if (outcome === 'failed') {
        state.deleteOutbox(entry.id);
        const h = entry.kind === 'text' ? await state.historyById(entry.id) : undefined;
        if (h && h.state === 'sending') await state.putHistory({ ...h, state: 'failed' });
        await state.commit();
        if (h && h.state === 'sending') this.callbacks.onState(entry.contact, entry.id, 'failed');
        this.settle(entry.id, error ?? new MessengerError('RelayRejected', 'the relay refused the message'));
        return undefined;
      }
      const attempts = stored.attempts + 1;
      const retryAt = this.ctx.clock.now() + backoffDelay(attempts, this.ctx.random.unit(), this.ctx.backoff);
      // Keep the legs' envelope ids and done flags from this attempt.
      state.putOutbox({ ...stored, legs: entry.legs, attempts, nextAttemptAt: retryAt });
      await state.commit();
      return retryAt;
    });
  }

  private async markSent(entry: OutboxEntry): Promise<void> {
    const changed = await this.ctx.lock.run(async () => {
      const state = new LocalState(this.ctx.store);
      const h = await state.historyById(entry.id);
      if (!h || h.state !== 'sending') return false;
      await state.putHistory({ ...h, state: 'sent' });
      await state.commit();
      return true;
    });
    if (changed) this.callbacks.onState(entry.contact, entry.id, 'sent');
    this.settle(entry.id);
  }
}

/** Errors after which retrying cannot help: the message is marked failed. */
const PERMANENT = new Set<MessengerError['code']>(['IdentityChanged', 'UnknownContact', 'RelayRejected']);

const TRANSIENT_RELAY = new Set([
  'NetworkError',
  'Closed',
  'Timeout',
  'RateLimited',
  'QueueFull',
  'BadResponse',
]);

export function asMessengerError(e: unknown): MessengerError {
  if (e instanceof MessengerError) return e;
  if (RelayError.is(e)) {
    return TRANSIENT_RELAY.has(e.code) || (e.status !== undefined && e.status >= 500)
      ? new MessengerError('RelayUnreachable', `relay: ${e.code}`, { cause: e })
      : new MessengerError('RelayRejected', `relay: ${e.code}`, { cause: e });
  }
  return new MessengerError('StorageFailed', 'unexpected failure', { cause: e });
}
