// Remembers recently verified credentials so every request is not an scrypt. Keyed by an HMAC under a
// per-process random key: the map never holds secrets, and its keys are useless outside this process.
import { createHmac, randomBytes } from 'node:crypto';

export class CredentialCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  private id(accountId: string, deviceId: number, secret: Uint8Array): string {
    return createHmac('sha256', this.key).update(`${accountId}.${deviceId}:`).update(secret).digest('base64');
  }

  has(accountId: string, deviceId: number, secret: Uint8Array): boolean {
    const k = this.id(accountId, deviceId, secret);
    const exp = this.entries.get(k);
    if (exp === undefined) return false;
    if (exp < this.now()) {
      this.entries.delete(k);
      return false;
    }
    return true;
  }

  add(accountId: string, deviceId: number, secret: Uint8Array): void {
    if (this.entries.size >= this.maxEntries) {
      // Evict the oldest insertion (Map iterates in insertion order).
      const first = this.entries.keys().next();
      if (!first.done) this.entries.delete(first.value);
    }
    this.entries.set(this.id(accountId, deviceId, secret), this.now() + this.ttlMs);
  }

  /** Called when a device is removed or re-keyed: forget everything (rare, and always safe). */
  clear(): void {
    this.entries.clear();
  }
}
