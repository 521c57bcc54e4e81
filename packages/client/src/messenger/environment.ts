/**
 * Injected time and randomness, so tests are deterministic (STYLE: inject time, randomness and
 * storage). The defaults use the platform's clock and CSPRNG (globalThis.crypto, present in Node 20
 * and every browser).
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** setTimeout that can be faked; returns a cancel function. */
  schedule(delayMs: number, fn: () => void): () => void;
}

export interface Randomness {
  /** Cryptographically secure random bytes. */
  bytes(length: number): Uint8Array;
  /** A uniform float in [0, 1) for backoff jitter (not for secrets). */
  unit(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(delayMs, fn) {
    const t = setTimeout(fn, delayMs);
    return () => clearTimeout(t);
  },
};

export const systemRandomness: Randomness = {
  bytes(length) {
    const out = new Uint8Array(length);
    // getRandomValues is capped at 65536 bytes per call.
    for (let o = 0; o < length; o += 65536) {
      globalThis.crypto.getRandomValues(out.subarray(o, Math.min(length, o + 65536)));
    }
    return out;
  },
  unit: () => Math.random(),
};
