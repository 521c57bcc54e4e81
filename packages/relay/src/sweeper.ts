// Periodically deletes expired envelopes (messageTtlSeconds) and attachments. Uses the injected clock
// for "now", so tests move time instead of waiting; the interval itself is a real timer.
import type { Logger } from './logger.js';
import type { RelayMetrics } from './metrics.js';
import type { RelayStore } from './relay-store.js';

export interface Sweeper {
  /** Runs one sweep now (tests call this after moving the clock). */
  sweepNow(): Promise<{ envelopes: number; attachments: number }>;
  stop(): Promise<void>;
}

export function startSweeper(
  store: RelayStore,
  now: () => number,
  log: Logger,
  metrics: RelayMetrics,
  intervalMs = 60_000,
): Sweeper {
  let running: Promise<unknown> = Promise.resolve();
  let scrubbed = true;
  const sweepNow = async () => {
    const t = now();
    const envelopes = await store.sweepExpired(t);
    const attachments = await store.sweepAttachments(t);
    metrics.envelopesExpired.inc(envelopes);
    if (envelopes + attachments > 0) log.info('swept', { count: envelopes, deleted: attachments });
    // After the deletes of the sweep and of every ack since the last one: delivered envelopes leave
    // the files within one interval, not when the WAL happens to be overwritten.
    await store.flushAcks();
    const ok = await store.scrub();
    // Another process reading the database (a backup) can hold it off: said once, not every sweep.
    if (!ok && scrubbed) log.warn('scrub_incomplete', { reason: 'another connection is reading' });
    scrubbed = ok;
    return { envelopes, attachments };
  };
  const timer = setInterval(() => {
    running = sweepNow().catch(() => log.error('sweep_failed'));
  }, intervalMs);
  timer.unref();
  return {
    sweepNow,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
