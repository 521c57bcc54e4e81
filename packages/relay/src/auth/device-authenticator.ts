// Checks device credentials (HTTP Basic and the WS AUTH frame) against the stored scrypt hash, with a
// verified-credential cache so steady-state requests cost an HMAC, not an scrypt.
import type { RelayStore } from '../relay-store.js';
import type { CredentialCache } from './credential-cache.js';
import type { SecretHasher } from './secret-hash.js';

export class DeviceAuthenticator {
  constructor(
    private readonly store: RelayStore,
    private readonly hasher: SecretHasher,
    private readonly cache: CredentialCache,
  ) {}

  async check(accountId: string, deviceId: number, secret: Uint8Array): Promise<boolean> {
    if (this.cache.has(accountId, deviceId, secret)) return true;
    const device = await this.store.getDevice(accountId, deviceId);
    if (!device) {
      // Spend comparable time so "no such device" is not distinguishable from "wrong secret" by timing.
      await this.hasher.verify(secret, DUMMY_HASH).catch(() => false);
      return false;
    }
    const ok = await this.hasher.verify(secret, device.secretHash);
    if (ok) this.cache.add(accountId, deviceId, secret);
    return ok;
  }

  /** A freshly registered device: hash the secret for storage and pre-warm the cache. */
  async hashNew(secret: Uint8Array): Promise<string> {
    return this.hasher.hash(secret);
  }

  remember(accountId: string, deviceId: number, secret: Uint8Array): void {
    this.cache.add(accountId, deviceId, secret);
  }

  forgetAll(): void {
    this.cache.clear();
  }
}

/** A syntactically valid hash of nothing in particular (default cost), used for the timing decoy. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
