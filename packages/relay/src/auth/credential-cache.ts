// Remembers recently verified credentials so every request is not an scrypt. One entry per device,
// holding an HMAC of its secret under a per-process random key: the map never holds secrets, and its
// values are useless outside this process. Keyed by device, so removing one device (or deleting one
// account) forgets only its own entries: clearing everything would make every other client's next
// request pay a full scrypt, which anyone able to add and remove a device could repeat at will.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MAX_DEVICE_ID } from '@sotto/wire';

interface Entry {
  mac: Buffer;
  /** The stored secret hash the secret was verified against: a new device reusing the id has another. */
  secretHash: string;
  expiresAt: number;
}

const deviceKey = (accountId: string, deviceId: number) => `${accountId}.${deviceId}`;

export class CredentialCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  private mac(accountId: string, deviceId: number, secret: Uint8Array): Buffer {
    return createHmac('sha256', this.key)
      .update(`${deviceKey(accountId, deviceId)}:`)
      .update(secret)
      .digest();
  }

  /** The stored hash this secret was verified against, if it was (and not too long ago). */
  verifiedHash(accountId: string, deviceId: number, secret: Uint8Array): string | undefined {
    const k = deviceKey(accountId, deviceId);
    const e = this.entries.get(k);
    if (e === undefined) return undefined;
    if (e.expiresAt < this.now()) {
      this.entries.delete(k);
      return undefined;
    }
    return timingSafeEqual(e.mac, this.mac(accountId, deviceId, secret)) ? e.secretHash : undefined;
  }

  add(accountId: string, deviceId: number, secret: Uint8Array, secretHash: string): void {
    const k = deviceKey(accountId, deviceId);
    this.entries.delete(k); // re-inserted last: eviction below takes the oldest
    if (this.entries.size >= this.maxEntries) {
      // Evict the oldest insertion (Map iterates in insertion order).
      const first = this.entries.keys().next();
      if (!first.done) this.entries.delete(first.value);
    }
    this.entries.set(k, {
      mac: this.mac(accountId, deviceId, secret),
      secretHash,
      expiresAt: this.now() + this.ttlMs,
    });
  }

  /** A device was removed or re-keyed. */
  forget(accountId: string, deviceId: number): void {
    this.entries.delete(deviceKey(accountId, deviceId));
  }

  /** An account was deleted: every device id it could have had. */
  forgetAccount(accountId: string): void {
    for (let d = 1; d <= MAX_DEVICE_ID; d++) this.entries.delete(deviceKey(accountId, d));
  }

  get size(): number {
    return this.entries.size;
  }
}
