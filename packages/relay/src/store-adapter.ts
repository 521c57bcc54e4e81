// Adapts R3's storage ports (store/ports.ts) to the RelayStore seam the relay logic uses.
// Placeholder until the ports land: only an injected RelayStore works.
import type { RelayConfig } from './config.js';
import type { RelayStore } from './relay-store.js';

/** Placeholder for R3's port bundle. */
export interface Stores {
  readonly placeholder: true;
}

export function openRelayStore(
  _config: RelayConfig,
  _stores: Stores | undefined,
  _now: () => number,
): Promise<RelayStore> {
  return Promise.reject(new Error('no store adapter yet'));
}
