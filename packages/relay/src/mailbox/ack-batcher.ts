// Group commit for acks, like the MailboxWriter for enqueues: acks arriving in one event-loop turn are
// applied by ONE ackMany transaction (one fsync for many devices), each caller resolved after it.
// One batch in flight at a time; later acks form the next batch.
import type { AckItem } from '../store/index.js';

export class AckBatcher {
  private queue: { item: AckItem; resolve: (n: number) => void; reject: (e: Error) => void }[] = [];
  private scheduled = false;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly ackMany: (items: readonly AckItem[]) => Promise<number[]>,
    private readonly maxBatch = 4096,
  ) {}

  ack(item: AckItem): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.kick();
    });
  }

  /** Resolves once every ack submitted so far is applied. */
  async flush(): Promise<void> {
    while (this.inFlight || this.queue.length > 0) {
      if (this.inFlight) await this.inFlight;
      else this.start();
    }
  }

  private kick(): void {
    if (this.inFlight || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.inFlight && this.queue.length > 0) this.start();
    });
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
