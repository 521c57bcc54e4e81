export { runDeliveryBusConformance } from './conformance.js';
export type { BusHarness, MakeBusHarness } from './conformance.js';
