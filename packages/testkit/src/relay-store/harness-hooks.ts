// Per-test fresh database: every `it` of a suite gets its own harness, cleaned up afterwards.
import { afterEach, beforeEach } from 'node:test';
import type { RelayStores } from '@sotto/relay/store';
import type { MakeHarness, RelayStoreHarness } from './fixtures.js';

export interface HarnessRef {
  readonly h: RelayStoreHarness;
  readonly s: RelayStores;
}

export function useHarness(make: MakeHarness): HarnessRef {
  let current: RelayStoreHarness | undefined;
  beforeEach(async () => {
    current = await make();
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  const get = (): RelayStoreHarness => {
    if (!current) throw new Error('no harness: used outside a test');
    return current;
  };
  return {
    get h() {
      return get();
    },
    get s() {
      return get().stores;
    },
  };
}
