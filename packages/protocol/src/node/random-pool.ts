/**
 * A small buffer of OS-seeded randomness for the node provider's `randomBytes`.
 *
 * Why: on Node 20 every `randomFillSync` call builds a synchronous RandomBytesJob (an AsyncWrap
 * with a native handle); the fixed cost is ≈ 4 µs in a micro-benchmark and ≈ 15–20 µs per call
 * inside the ratchet (node --cpu-prof of ping-pong: 4.4 % of all samples for ONE 32-byte draw per
 * message), while filling 1 KiB costs about as much as one small call. So one fill serves many
 * small requests.
 *
 * Safety:
 * - Every byte is handed out at most once: a request gets a COPY of the next unused bytes, and the
 *   consumed region of the pool is zeroed immediately, so no returned key material stays in the
 *   pool after the call.
 * - The unused remainder (at most `size` bytes, i.e. the next few keys) lives in memory until it is
 *   handed out. That is no new exposure: OpenSSL's DRBG, which fills the pool, keeps its own state
 *   in this same process, and that state determines its next outputs until it reseeds (OpenSSL 3
 *   reseeds after 2^16 requests or 7 minutes). A pool keyed by nothing and holding unused bytes is
 *   not a cache of secrets by value: nothing here outlives its use.
 * - Requests larger than `maxRequest` bypass the pool and are filled directly.
 */
export class RandomPool {
  readonly #fill: (target: Uint8Array) => void;
  readonly #pool: Uint8Array;
  readonly #maxRequest: number;
  #at: number;

  constructor(fill: (target: Uint8Array) => void, size = 1024, maxRequest = 128) {
    if (!Number.isInteger(size) || !Number.isInteger(maxRequest) || maxRequest < 0 || maxRequest > size) {
      throw new RangeError('RandomPool: need integers with 0 <= maxRequest <= size');
    }
    this.#fill = fill;
    this.#pool = new Uint8Array(size);
    this.#maxRequest = maxRequest;
    this.#at = size; // empty: the first request fills it
  }

  /** `length` fresh random bytes, in a new array the caller owns. */
  take(length: number): Uint8Array {
    const out = new Uint8Array(length);
    if (length > this.#maxRequest) {
      this.#fill(out);
      return out;
    }
    if (this.#pool.length - this.#at < length) {
      this.#fill(this.#pool);
      this.#at = 0;
    }
    const end = this.#at + length;
    out.set(this.#pool.subarray(this.#at, end));
    this.#pool.fill(0, this.#at, end);
    this.#at = end;
    return out;
  }
}
