/**
 * Storage ports, injected into the session builder and cipher as in libsignal's Node API. All
 * methods are async because browser storage (IndexedDB) is. Keys cross this boundary as serialised
 * bytes (33-byte 0x05 public keys, 32-byte private scalars); records as record objects that the
 * store is expected to persist with their `serialize()`.
 */
import type { ProtocolAddress } from './protocol-address.js';
import type { KyberPreKeyRecord, PreKeyRecord, SignedPreKeyRecord } from './prekey-records.js';
import type { SessionRecord } from './session-record.js';

/** Whether an identity is being checked for sending to or receiving from an address. */
export const Direction = {
  Sending: 0,
  Receiving: 1,
} as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

export interface IdentityKeyPair {
  /** 33-byte serialised public key. */
  publicKey: Uint8Array;
  /** 32-byte private scalar. */
  privateKey: Uint8Array;
}

export interface SessionStore {
  getSession(address: ProtocolAddress): Promise<SessionRecord | null>;
  saveSession(address: ProtocolAddress, record: SessionRecord): Promise<void>;
}

export interface IdentityKeyStore {
  getIdentityKeyPair(): Promise<IdentityKeyPair>;
  getLocalRegistrationId(): Promise<number>;
  /** Stores `identityKey` for `address`; returns true if it REPLACED a different stored key. */
  saveIdentity(address: ProtocolAddress, identityKey: Uint8Array): Promise<boolean>;
  /** The trust decision: may we send to / receive from `address` using `identityKey`? */
  isTrustedIdentity(
    address: ProtocolAddress,
    identityKey: Uint8Array,
    direction: Direction,
  ): Promise<boolean>;
  getIdentity(address: ProtocolAddress): Promise<Uint8Array | null>;
}

export interface PreKeyStore {
  getPreKey(id: number): Promise<PreKeyRecord | null>;
  savePreKey(id: number, record: PreKeyRecord): Promise<void>;
  removePreKey(id: number): Promise<void>;
}

export interface SignedPreKeyStore {
  getSignedPreKey(id: number): Promise<SignedPreKeyRecord | null>;
  saveSignedPreKey(id: number, record: SignedPreKeyRecord): Promise<void>;
}

export interface KyberPreKeyStore {
  getKyberPreKey(id: number): Promise<KyberPreKeyRecord | null>;
  saveKyberPreKey(id: number, record: KyberPreKeyRecord, options?: { lastResort?: boolean }): Promise<void>;
  /**
   * Called after a Kyber prekey decrypted a session's first message. A one-time Kyber prekey must
   * be removed (or refused from now on); a last-resort one is kept, but must reject (throw) a
   * combination of `id`, `signedPreKeyId` and `baseKey` it has seen before, as libsignal's contract
   * says: that is a replayed first message whose session is no longer in the record.
   */
  markKyberPreKeyUsed(id: number, signedPreKeyId: number, baseKey: Uint8Array): Promise<void>;
}
