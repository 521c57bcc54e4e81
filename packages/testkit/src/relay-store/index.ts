export { runRelayStoreConformance } from './conformance.js';
export type { HarnessCapabilities, MakeHarness, RelayStoreHarness } from './fixtures.js';
