// Everything a route or session needs, built once by startRelay.
import type { RelayConfig } from './config.js';
import type { DeviceAuthenticator } from './auth/device-authenticator.js';
import type { Logger } from './logger.js';
import type { Mailbox } from './mailbox/mailbox.js';
import type { RelayMetrics } from './metrics.js';
import type { KeyedRateLimiter } from './rate-limit.js';
import type { RelayStore } from './relay-store.js';

export interface AppContext {
  config: RelayConfig;
  store: RelayStore;
  now: () => number;
  log: Logger;
  metrics: RelayMetrics;
  auth: DeviceAuthenticator;
  mailbox: Mailbox;
  claimsByRequester: KeyedRateLimiter;
  claimsByTarget: KeyedRateLimiter;
  /** Called after a device is removed (drop its live connection). */
  onDeviceRemoved: (accountId: string, deviceId: number) => void;
}
