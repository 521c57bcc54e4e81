// Everything a route or session needs, built once by startRelay.
import type { RelayConfig } from './config.js';
import type { DeviceAuthenticator } from './auth/device-authenticator.js';
import type { BodyBudget } from './http/body-budget.js';
import type { Logger } from './logger.js';
import type { Mailbox } from './mailbox/mailbox.js';
import type { RelayMetrics } from './metrics.js';
import type { RateLimiter } from './rate-limit-port.js';
import type { RelayStore } from './relay-store.js';

export interface AppContext {
  config: RelayConfig;
  store: RelayStore;
  now: () => number;
  log: Logger;
  metrics: RelayMetrics;
  auth: DeviceAuthenticator;
  mailbox: Mailbox;
  /** Bundle claims per requesting device; shared by all nodes when the store is PostgreSQL. */
  claimsByRequester: RateLimiter;
  /** Bundle claims per target account, all requesters together; shared likewise. */
  claimsByTarget: RateLimiter;
  /** Account and username lookups per requesting device (username enumeration); shared likewise. */
  lookupsByRequester: RateLimiter;
  /** New accounts, all clients together (one bucket); shared likewise. */
  registrations: RateLimiter;
  /** New accounts per client address (http/client-address.ts); this node's memory only; off when 0. */
  registrationsByAddress: RateLimiter | undefined;
  /** JSON request bodies: the per-request limit and all of them in progress together. */
  jsonBodies: BodyBudget;
  /** Attachment uploads likewise (their bodies are buffered whole too). */
  uploads: BodyBudget;
  /** Called after a device is removed (drop its live connection). */
  onDeviceRemoved: (accountId: string, deviceId: number) => void;
}
