// The in-memory rate-limit adapter (one node) against the shared conformance suite.
import { memoryRateLimits } from '../src/rate-limit.js';
import { runRateLimitConformance } from './helpers/rate-limit-conformance.js';

runRateLimitConformance('in memory', () => {
  const store = memoryRateLimits();
  return Promise.resolve({ store, peer: store, cleanup: () => Promise.resolve() });
});
