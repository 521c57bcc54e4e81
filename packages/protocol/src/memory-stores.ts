/**
 * In-memory store implementations. They keep SERIALISED records (bytes), exactly as a database or
 * IndexedDB store must, so tests and benchmarks pay the real (de)serialisation cost.
 */
import { constantTimeEqual, toHex } from './bytes.js';
import { ProtocolError } from './errors.js';
import type { ProtocolAddress } from './protocol-address.js';
import { KyberPreKeyRecord, PreKeyRecord, SignedPreKeyRecord } from './prekey-records.js';
import { SessionRecord } from './session-record.js';
import type {
  Direction,
  IdentityKeyPair,
  IdentityKeyStore,
  KyberPreKeyStore,
  PreKeyStore,
  SessionStore,
  SignedPreKeyStore,
} from './stores.js';

export class InMemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Uint8Array>();

  getSession(address: ProtocolAddress): Promise<SessionRecord | null> {
    const b = this.sessions.get(address.toString());
    return Promise.resolve(b === undefined ? null : SessionRecord.deserialize(b));
  }

  saveSession(address: ProtocolAddress, record: SessionRecord): Promise<void> {
    this.sessions.set(address.toString(), record.serialize());
    return Promise.resolve();
  }

  /** The stored bytes (for tests and migration). */
  rawSession(address: ProtocolAddress): Uint8Array | undefined {
    return this.sessions.get(address.toString());
  }
}

/**
 * Trust-on-first-use identity store: a new address is trusted, a known address only with the key
 * stored for it (replace it with `saveIdentity` after the user verifies the new safety number).
 */
export class InMemoryIdentityKeyStore implements IdentityKeyStore {
  private readonly identities = new Map<string, Uint8Array>();

  constructor(
    private readonly identity: IdentityKeyPair,
    private readonly registrationId: number,
  ) {}

  getIdentityKeyPair(): Promise<IdentityKeyPair> {
    return Promise.resolve(this.identity);
  }

  getLocalRegistrationId(): Promise<number> {
    return Promise.resolve(this.registrationId);
  }

  saveIdentity(address: ProtocolAddress, identityKey: Uint8Array): Promise<boolean> {
    const key = address.toString();
    const prev = this.identities.get(key);
    this.identities.set(key, identityKey.slice());
    return Promise.resolve(prev !== undefined && !constantTimeEqual(prev, identityKey));
  }

  isTrustedIdentity(
    address: ProtocolAddress,
    identityKey: Uint8Array,
    _direction: Direction,
  ): Promise<boolean> {
    const prev = this.identities.get(address.toString());
    return Promise.resolve(prev === undefined || constantTimeEqual(prev, identityKey));
  }

  getIdentity(address: ProtocolAddress): Promise<Uint8Array | null> {
    return Promise.resolve(this.identities.get(address.toString())?.slice() ?? null);
  }
}

export class InMemoryPreKeyStore implements PreKeyStore {
  private readonly keys = new Map<number, Uint8Array>();

  getPreKey(id: number): Promise<PreKeyRecord | null> {
    const b = this.keys.get(id);
    return Promise.resolve(b === undefined ? null : PreKeyRecord.deserialize(b));
  }

  savePreKey(id: number, record: PreKeyRecord): Promise<void> {
    this.keys.set(id, record.serialize());
    return Promise.resolve();
  }

  removePreKey(id: number): Promise<void> {
    this.keys.delete(id);
    return Promise.resolve();
  }

  get size(): number {
    return this.keys.size;
  }
}

export class InMemorySignedPreKeyStore implements SignedPreKeyStore {
  private readonly keys = new Map<number, Uint8Array>();

  getSignedPreKey(id: number): Promise<SignedPreKeyRecord | null> {
    const b = this.keys.get(id);
    return Promise.resolve(b === undefined ? null : SignedPreKeyRecord.deserialize(b));
  }

  saveSignedPreKey(id: number, record: SignedPreKeyRecord): Promise<void> {
    this.keys.set(id, record.serialize());
    return Promise.resolve();
  }
}

export class InMemoryKyberPreKeyStore implements KyberPreKeyStore {
  private readonly keys = new Map<number, { bytes: Uint8Array; lastResort: boolean }>();

  getKyberPreKey(id: number): Promise<KyberPreKeyRecord | null> {
    const e = this.keys.get(id);
    return Promise.resolve(e === undefined ? null : KyberPreKeyRecord.deserialize(e.bytes));
  }

  saveKyberPreKey(id: number, record: KyberPreKeyRecord, options?: { lastResort?: boolean }): Promise<void> {
    this.keys.set(id, { bytes: record.serialize(), lastResort: options?.lastResort ?? false });
    return Promise.resolve();
  }

  /** (Kyber id, signed prekey id, base key) combinations a last-resort key has already served. */
  private readonly baseKeysSeen = new Set<string>();

  /**
   * One-time Kyber prekeys are deleted once used; last-resort ones are kept, but each base key may
   * use them once (libsignal `KyberPreKeyStore::mark_kyber_pre_key_used`: "reused base key"), so a
   * first message replayed after its session is gone cannot set the session up again.
   */
  markKyberPreKeyUsed(id: number, signedPreKeyId: number, baseKey: Uint8Array): Promise<void> {
    const e = this.keys.get(id);
    if (e && !e.lastResort) this.keys.delete(id);
    if (e?.lastResort) {
      const seen = `${id}:${signedPreKeyId}:${toHex(baseKey)}`;
      if (this.baseKeysSeen.has(seen)) {
        return Promise.reject(new ProtocolError('InvalidMessage', 'reused base key'));
      }
      this.baseKeysSeen.add(seen);
    }
    return Promise.resolve();
  }

  has(id: number): boolean {
    return this.keys.has(id);
  }
}
