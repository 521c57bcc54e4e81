// Group commit for acks, like the MailboxWriter for enqueues: acks are applied by ONE ackMany
// transaction for many devices, each caller resolved after it. One batch in flight at a time; later
// acks form the next batch.
//
// Unlike enqueues, nobody waits for an ack: the session frees its push window as soon as the ACK
// frame arrives. So a batch may also wait `delayMs` to gather more acks (fewer commits at moderate
// load, where a batch per event-loop turn would hold a handful). An ack not yet applied when the
// relay dies only means the envelope is delivered again, and clients deduplicate by envelope id.
import type { AckItem } from '../store/index.js';

export class AckBatcher {
  private queue: { item: AckItem; resolve: (n: number) => void; reject: (e: Error) => void }[] = [];
  /** Cancels the scheduled start of the next batch, while one is scheduled. */
  private cancelScheduled: (() => void) | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly ackMany: (items: readonly AckItem[]) => Promise<number[]>,
    private readonly maxBatch = 4096,
    /** How long the first ack of a batch may wait for more (0: the end of this event-loop turn). */
    private readonly delayMs = 0,
  ) {}

  ack(item: AckItem): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.kick();
    });
  }

  /** Resolves once every ack submitted so far is applied. */
  async flush(): Promise<void> {
    this.cancelScheduled?.();
    this.cancelScheduled = null;
    while (this.inFlight || this.queue.length > 0) {
      if (this.inFlight) await this.inFlight;
      else this.start();
    }
  }

  private kick(): void {
    if (this.inFlight) return; // the running batch schedules the next one when it settles
    if (this.queue.length >= this.maxBatch) {
      this.cancelScheduled?.();
      this.cancelScheduled = null;
      this.start();
      return;
    }
    if (this.cancelScheduled) return;
    const run = () => {
      this.cancelScheduled = null;
      if (!this.inFlight && this.queue.length > 0) this.start();
    };
    if (this.delayMs > 0) {
      const t = setTimeout(run, this.delayMs);
      this.cancelScheduled = () => clearTimeout(t);
    } else {
      const i = setImmediate(run);
      this.cancelScheduled = () => clearImmediate(i);
    }
  }

  private start(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    this.inFlight = this.ackMany(batch.map((b) => b.item))
      .then(
        (counts) => batch.forEach((b, i) => b.resolve(counts[i] ?? 0)),
        (err: unknown) => {
          const e = err instanceof Error ? err : new Error(String(err));
          batch.forEach((b) => b.reject(e));
        },
      )
      .finally(() => {
        this.inFlight = null;
        if (this.queue.length > 0) this.kick();
      });
  }
}
