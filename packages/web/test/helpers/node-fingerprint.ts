// The CLI's fingerprints, computed independently of the web code under test: Node's SHA-256, the
// first `digits` hex digits in groups of 4 (what `sotto devices link` and `sotto whoami` print).
import { createHash } from 'node:crypto';

export const nodeFingerprint = (b: Uint8Array, digits: number): string =>
  createHash('sha256')
    .update(b)
    .digest('hex')
    .slice(0, digits)
    .replace(/(.{4})(?=.)/g, '$1 ');
