// The periodic backstop behind removal notices: every sessionRecheckSeconds each node checks every
// connected device's credential against the store (DeviceHub.recheckAll). A notice can go missing: a
// bus outage, a removal served by a node of an older version, a device linked while its account was
// being deleted. Without this, such a socket would stay authenticated until it disconnects.
import type { Logger } from '../logger.js';
import type { RelayMetrics } from '../metrics.js';
import type { DeviceHub, RecheckTally } from './device-hub.js';

export interface SessionRecheck {
  /** One pass now (tests call this instead of waiting for the timer). */
  recheckNow(): Promise<RecheckTally>;
  stop(): Promise<void>;
}

export function startSessionRecheck(
  hub: DeviceHub,
  log: Logger,
  metrics: RelayMetrics,
  intervalMs: number,
): SessionRecheck {
  let running: Promise<unknown> | null = null;
  const recheckNow = async () => {
    const tally = await hub.recheckAll();
    metrics.sessionsRevokedByRecheck.inc(tally.revoked);
    if (tally.revoked > 0) log.info('sessions_revoked', { count: tally.revoked });
    if (tally.failed > 0) log.warn('session_recheck_incomplete', { count: tally.failed });
    return tally;
  };
  const timer = setInterval(() => {
    // A pass still running (a slow store) is not doubled up.
    running ??= recheckNow()
      .catch(() => log.error('session_recheck_failed'))
      .finally(() => (running = null));
  }, intervalMs);
  timer.unref();
  return {
    recheckNow,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
