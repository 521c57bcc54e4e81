/**
 * The local account: identity key pair, registration id, relay and device credentials, and the
 * counters the prekey logic needs. One record.
 */
import { z } from 'zod';
import type { EncryptedStore, StoreOp } from '../storage/encrypted-store.js';
import { StorageError } from '../storage/errors.js';
import { decodeRecord, encodeChecked, zBytes, zTime } from './codec.js';
import { TABLES } from './tables.js';

const accountSchema = z.strictObject({
  identityPublicKey: zBytes,
  identityPrivateKey: zBytes,
  registrationId: z.number().int().min(1).max(16380),
  relayUrl: z.string().min(1),
  accountId: z.string().min(1),
  deviceId: z.number().int().min(1).max(127),
  deviceSecret: zBytes,
  username: z.string().optional(),
  displayName: z.string().optional(),
  /** When the current signed prekey was generated (ms); rotate on schedule from here. */
  signedPreKeyRotatedAt: zTime,
  nextPreKeyId: z.number().int().min(1),
  nextSignedPreKeyId: z.number().int().min(1),
  nextKyberPreKeyId: z.number().int().min(1),
  createdAt: zTime,
});

export type AccountState = z.output<typeof accountSchema>;

const KEY = ['account'] as const;

export class AccountRepo {
  constructor(private readonly store: EncryptedStore) {}

  /** The account, or undefined before `init`. */
  async get(): Promise<AccountState | undefined> {
    const b = await this.store.get(TABLES.account, KEY);
    return b === undefined ? undefined : decodeRecord(accountSchema, b, 'account');
  }

  saveOps(account: AccountState): StoreOp[] {
    return [
      { op: 'put', table: TABLES.account, key: KEY, value: encodeChecked(accountSchema, account, 'account') },
    ];
  }

  async save(account: AccountState): Promise<void> {
    await this.store.batch(this.saveOps(account));
  }

  /** Read-modify-write of some fields; returns the new record. */
  async update(patch: Partial<AccountState>): Promise<AccountState> {
    const cur = await this.get();
    if (cur === undefined) throw new StorageError('NotInitialized', 'no account yet');
    const next: AccountState = { ...cur, ...patch };
    await this.save(next);
    return next;
  }
}
