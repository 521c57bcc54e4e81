/**
 * Contacts, keyed by account id (blinded in the files). Identity state follows Signal: a changed
 * identity key sets `identityChanged`, which blocks sending until the user accepts the new safety
 * number (`acceptIdentity`); a contact that was `verified` loses the flag and the change is loud.
 */
import { z } from 'zod';
import type { EncryptedStore, StoreOp } from '../storage/encrypted-store.js';
import { StorageError } from '../storage/errors.js';
import { decodeRecord, encodeChecked, zBytes, zTime } from './codec.js';
import { TABLES } from './tables.js';

const contactSchema = z.strictObject({
  accountId: z.string().min(1),
  name: z.string().min(1),
  username: z.string().optional(),
  relayUrl: z.string().optional(),
  /** The identity key we trust for this contact (33 bytes, 0x05 prefix). */
  identityKey: zBytes,
  verified: z.boolean(),
  /** A different key was seen; sending is blocked until accepted. */
  identityChanged: z.boolean(),
  /** The new key awaiting acceptance, when identityChanged. */
  pendingIdentityKey: zBytes.optional(),
  /** The contact was verified before the key changed (the UI flags this loudly). */
  wasVerified: z.boolean().optional(),
  createdAt: zTime,
});

export type Contact = z.output<typeof contactSchema>;

export class ContactRepo {
  constructor(private readonly store: EncryptedStore) {}

  async get(accountId: string): Promise<Contact | undefined> {
    const b = await this.store.get(TABLES.contacts, [accountId]);
    return b === undefined ? undefined : decodeRecord(contactSchema, b, 'contact');
  }

  /** All contacts, sorted by name. */
  async list(): Promise<Contact[]> {
    const rows = await this.store.scan(TABLES.contacts);
    return rows
      .map((r) => decodeRecord(contactSchema, r.value, 'contact'))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Case-sensitive lookup by local name. */
  async byName(name: string): Promise<Contact | undefined> {
    return (await this.list()).find((c) => c.name === name);
  }

  saveOps(contact: Contact): StoreOp[] {
    return [
      {
        op: 'put',
        table: TABLES.contacts,
        key: [contact.accountId],
        value: encodeChecked(contactSchema, contact, 'contact'),
      },
    ];
  }

  async save(contact: Contact): Promise<void> {
    await this.store.batch(this.saveOps(contact));
  }

  async remove(accountId: string): Promise<void> {
    await this.store.delete(TABLES.contacts, [accountId]);
  }

  /** Records that `accountId` now presents `newKey` (different from the trusted one): block sending. */
  async markIdentityChanged(accountId: string, newKey: Uint8Array): Promise<Contact> {
    const c = await this.require(accountId);
    const next: Contact = {
      ...c,
      identityChanged: true,
      pendingIdentityKey: newKey,
      verified: false,
      wasVerified: c.verified || c.wasVerified === true,
    };
    await this.save(next);
    return next;
  }

  /** The user accepted the new safety number: trust the pending key, unblock sending. */
  async acceptIdentity(accountId: string): Promise<Contact> {
    const c = await this.require(accountId);
    const { pendingIdentityKey, wasVerified: _w, ...rest } = c;
    const next: Contact = {
      ...rest,
      identityKey: pendingIdentityKey ?? c.identityKey,
      identityChanged: false,
      verified: false,
    };
    await this.save(next);
    return next;
  }

  async setVerified(accountId: string, verified: boolean): Promise<Contact> {
    const c = await this.require(accountId);
    const next: Contact = { ...c, verified };
    await this.save(next);
    return next;
  }

  private async require(accountId: string): Promise<Contact> {
    const c = await this.get(accountId);
    if (c === undefined) throw new StorageError('InvalidArgument', 'unknown contact');
    return c;
  }
}
