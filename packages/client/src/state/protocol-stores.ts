/**
 * The protocol's store ports (packages/protocol/src/stores.ts: SessionStore, IdentityKeyStore,
 * PreKeyStore, SignedPreKeyStore, KyberPreKeyStore) on the encrypted store.
 *
 * The record classes (SessionRecord, PreKeyRecord…) are injected as codecs (`{ deserialize }`),
 * so this file has no runtime dependency on protocol internals that are not exported yet; the
 * shapes match the protocol interfaces structurally. Wire-up:
 *
 *   const stores = protocolStores(store, { session: SessionRecord, preKey: PreKeyRecord,
 *     signedPreKey: SignedPreKeyRecord, kyberPreKey: KyberPreKeyRecord }, identity, registrationId);
 *
 * Trust (IdentityKeyStore): trust on first use; a DIFFERENT key for a known address is stored as
 * untrusted (saveIdentity returns true) and sending is refused until `approveIdentity`. Receiving
 * is always allowed (as Signal-Desktop does), so a message from a re-registered contact is not lost;
 * the UI flags the change from `saveIdentity`'s result / the contact record.
 */
import { z } from 'zod';
import type { EncryptedStore, StoreOp } from '../storage/encrypted-store.js';
import { decodeRecord, encodeChecked, zBytes, zTime } from './codec.js';
import { TABLES } from './tables.js';

/** Structural ProtocolAddress (name + device id). */
export interface AddressLike {
  readonly name: string;
  readonly deviceId: number;
}

export interface RecordCodec<R> {
  deserialize(bytes: Uint8Array): R;
}

export interface Serializable {
  serialize(): Uint8Array;
}

/** 0 = sending, 1 = receiving (the protocol's `Direction`). */
export type DirectionValue = 0 | 1;

function addrKey(a: AddressLike): [string, number] {
  return [a.name, a.deviceId];
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

export class StateSessionStore<R extends Serializable> {
  constructor(
    private readonly store: EncryptedStore,
    private readonly codec: RecordCodec<R>,
  ) {}

  async getSession(address: AddressLike): Promise<R | null> {
    const b = await this.store.get(TABLES.sessions, addrKey(address));
    return b === undefined ? null : this.codec.deserialize(b);
  }

  saveSessionOps(address: AddressLike, record: R): StoreOp[] {
    return [{ op: 'put', table: TABLES.sessions, key: addrKey(address), value: record.serialize() }];
  }

  async saveSession(address: AddressLike, record: R): Promise<void> {
    await this.store.batch(this.saveSessionOps(address, record));
  }

  async removeSession(address: AddressLike): Promise<void> {
    await this.store.delete(TABLES.sessions, addrKey(address));
  }
}

const identitySchema = z.strictObject({
  identityKey: zBytes,
  /** False after a key change until the user approves the new key. */
  trusted: z.boolean(),
  firstSeenAt: zTime,
});
export type IdentityEntry = z.output<typeof identitySchema>;

export class StateIdentityKeyStore {
  constructor(
    private readonly store: EncryptedStore,
    private readonly identity: { publicKey: Uint8Array; privateKey: Uint8Array },
    private readonly registrationId: number,
    private readonly now: () => number = Date.now,
  ) {}

  getIdentityKeyPair(): Promise<{ publicKey: Uint8Array; privateKey: Uint8Array }> {
    return Promise.resolve(this.identity);
  }

  getLocalRegistrationId(): Promise<number> {
    return Promise.resolve(this.registrationId);
  }

  async entry(address: AddressLike): Promise<IdentityEntry | undefined> {
    const b = await this.store.get(TABLES.identities, addrKey(address));
    return b === undefined ? undefined : decodeRecord(identitySchema, b, 'identity');
  }

  private async put(address: AddressLike, e: IdentityEntry): Promise<void> {
    await this.store.put(TABLES.identities, addrKey(address), encodeChecked(identitySchema, e, 'identity'));
  }

  /** Returns true when this REPLACED a different key (which is then untrusted for sending). */
  async saveIdentity(address: AddressLike, identityKey: Uint8Array): Promise<boolean> {
    const prev = await this.entry(address);
    if (prev !== undefined && equalBytes(prev.identityKey, identityKey)) return false;
    await this.put(address, {
      identityKey: identityKey.slice(),
      trusted: prev === undefined,
      firstSeenAt: this.now(),
    });
    return prev !== undefined;
  }

  async isTrustedIdentity(
    address: AddressLike,
    identityKey: Uint8Array,
    direction: DirectionValue,
  ): Promise<boolean> {
    if (direction === 1) return true;
    const e = await this.entry(address);
    if (e === undefined) return true;
    return e.trusted && equalBytes(e.identityKey, identityKey);
  }

  async getIdentity(address: AddressLike): Promise<Uint8Array | null> {
    return (await this.entry(address))?.identityKey ?? null;
  }

  /** The user accepted `identityKey` for `address` (new safety number): trust it for sending. */
  async approveIdentity(address: AddressLike, identityKey: Uint8Array): Promise<void> {
    const prev = await this.entry(address);
    await this.put(address, {
      identityKey: identityKey.slice(),
      trusted: true,
      firstSeenAt: prev?.firstSeenAt ?? this.now(),
    });
  }
}

export class StatePreKeyStore<R extends Serializable> {
  constructor(
    private readonly store: EncryptedStore,
    private readonly codec: RecordCodec<R>,
  ) {}

  async getPreKey(id: number): Promise<R | null> {
    const b = await this.store.get(TABLES.preKeys, [id]);
    return b === undefined ? null : this.codec.deserialize(b);
  }

  async savePreKey(id: number, record: R): Promise<void> {
    await this.store.put(TABLES.preKeys, [id], record.serialize());
  }

  async removePreKey(id: number): Promise<void> {
    await this.store.delete(TABLES.preKeys, [id]);
  }

  async count(): Promise<number> {
    return this.store.count(TABLES.preKeys);
  }
}

export class StateSignedPreKeyStore<R extends Serializable> {
  constructor(
    private readonly store: EncryptedStore,
    private readonly codec: RecordCodec<R>,
  ) {}

  async getSignedPreKey(id: number): Promise<R | null> {
    const b = await this.store.get(TABLES.signedPreKeys, [id]);
    return b === undefined ? null : this.codec.deserialize(b);
  }

  async saveSignedPreKey(id: number, record: R): Promise<void> {
    await this.store.put(TABLES.signedPreKeys, [id], record.serialize());
  }

  async removeSignedPreKey(id: number): Promise<void> {
    await this.store.delete(TABLES.signedPreKeys, [id]);
  }
}

const kyberSchema = z.strictObject({ record: zBytes, lastResort: z.boolean(), used: z.boolean() });

export class StateKyberPreKeyStore<R extends Serializable> {
  constructor(
    private readonly store: EncryptedStore,
    private readonly codec: RecordCodec<R>,
  ) {}

  private async entry(id: number): Promise<z.output<typeof kyberSchema> | undefined> {
    const b = await this.store.get(TABLES.kyberPreKeys, [id]);
    return b === undefined ? undefined : decodeRecord(kyberSchema, b, 'kyber prekey');
  }

  /** A one-time key that was used is refused (null), as if removed. */
  async getKyberPreKey(id: number): Promise<R | null> {
    const e = await this.entry(id);
    return e === undefined || (e.used && !e.lastResort) ? null : this.codec.deserialize(e.record);
  }

  async saveKyberPreKey(id: number, record: R, options?: { lastResort?: boolean }): Promise<void> {
    const e = { record: record.serialize(), lastResort: options?.lastResort ?? false, used: false };
    await this.store.put(TABLES.kyberPreKeys, [id], encodeChecked(kyberSchema, e, 'kyber prekey'));
  }

  /** One-time keys are deleted once used; last-resort keys are kept and marked used. */
  async markKyberPreKeyUsed(id: number, _signedPreKeyId: number, _baseKey: Uint8Array): Promise<void> {
    const e = await this.entry(id);
    if (e === undefined) return;
    if (!e.lastResort) await this.store.delete(TABLES.kyberPreKeys, [id]);
    else
      await this.store.put(
        TABLES.kyberPreKeys,
        [id],
        encodeChecked(kyberSchema, { ...e, used: true }, 'kyber prekey'),
      );
  }

  async isUsed(id: number): Promise<boolean> {
    const e = await this.entry(id);
    return e === undefined ? false : e.used;
  }
}
