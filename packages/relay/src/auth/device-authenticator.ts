// Checks device credentials (HTTP Basic and the WS AUTH frame) against the stored scrypt hash, with a
// verified-credential cache so steady-state requests cost an HMAC, not an scrypt.
import type { RelayStore } from '../relay-store.js';
import { ConcurrencyCap } from './concurrency-cap.js';
import type { CredentialCache } from './credential-cache.js';
import type { SecretHasher } from './secret-hash.js';

export type AuthOutcome = 'ok' | 'denied' | 'busy';

/** Slow-hash verifications allowed at once; beyond it requests are refused (RateLimited), not queued. */
export const MAX_PENDING_VERIFICATIONS = 64;
/** Slow hashes of new device secrets (registration, add-device) allowed at once; beyond it RateLimited. */
export const MAX_PENDING_NEW_HASHES = 64;

export class DeviceAuthenticator {
  private readonly verifications = new ConcurrencyCap(MAX_PENDING_VERIFICATIONS);
  private readonly newHashes = new ConcurrencyCap(MAX_PENDING_NEW_HASHES);

  constructor(
    private readonly store: RelayStore,
    private readonly hasher: SecretHasher,
    private readonly cache: CredentialCache,
  ) {}

  /**
   * 'busy' when too many scrypt checks are already running: a flood of bad credentials then costs
   * the relay a bounded amount of CPU, while cached (already verified) devices still get in.
   */
  async check(accountId: string, deviceId: number, secret: Uint8Array): Promise<AuthOutcome> {
    const v = await this.verify(accountId, deviceId, secret);
    return typeof v === 'string' ? v : 'ok';
  }

  /**
   * As `check`, and on success the stored hash the secret was verified against: a WebSocket keeps it,
   * so a later recheck can tell its device from a device added since under the same id.
   */
  async verify(
    accountId: string,
    deviceId: number,
    secret: Uint8Array,
  ): Promise<{ secretHash: string } | 'denied' | 'busy'> {
    const verified = this.cache.verifiedHash(accountId, deviceId, secret);
    if (verified !== undefined) {
      // The cache saves the scrypt, not the question whether it is still the same device: another
      // node may have removed it (each node's cache forgets only the removals it served itself), and
      // a device added since may have its id, with another secret and so another stored hash.
      if ((await this.store.getDevice(accountId, deviceId))?.secretHash === verified)
        return { secretHash: verified };
      this.cache.forget(accountId, deviceId);
    }
    return this.verifications.run(async (): Promise<{ secretHash: string } | 'denied' | 'busy'> => {
      const device = await this.store.getDevice(accountId, deviceId);
      if (!device) {
        // Spend comparable time so "no such device" is not distinguishable from "wrong secret" by timing.
        await this.hasher.verify(secret, DUMMY_HASH).catch(() => false);
        return 'denied';
      }
      if (!(await this.hasher.verify(secret, device.secretHash))) return 'denied';
      this.cache.add(accountId, deviceId, secret, device.secretHash);
      return { secretHash: device.secretHash };
    }, 'busy');
  }

  /**
   * A freshly registered device: hash the secret for storage. Null when too many such hashes are
   * already running: registration needs no credentials, so without this cap a flood of it would
   * queue scrypt work without limit ahead of everyone's logins.
   */
  hashNew(secret: Uint8Array): Promise<string | null> {
    return this.newHashes.run(() => this.hasher.hash(secret), null);
  }

  /** A device just created with this secret and stored hash: its first requests need no scrypt. */
  remember(accountId: string, deviceId: number, secret: Uint8Array, secretHash: string): void {
    this.cache.add(accountId, deviceId, secret, secretHash);
  }

  /** After a device was removed: its cached credentials no longer hold. */
  forgetDevice(accountId: string, deviceId: number): void {
    this.cache.forget(accountId, deviceId);
  }

  /** After an account was deleted. */
  forgetAccount(accountId: string): void {
    this.cache.forgetAccount(accountId);
  }
}

/** A syntactically valid hash of nothing in particular (default cost), used for the timing decoy. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
