/**
 * The protocol's store ports (libsignal-style SessionStore, IdentityKeyStore, PreKeyStore,
 * SignedPreKeyStore, KyberPreKeyStore) over one LocalState transaction, so a decrypt's ratchet
 * update lands in the same atomic batch as the history entry and the dedupe mark.
 *
 * Trust policy (IdentityKeyStore): trust on first use per ACCOUNT (every device of an account
 * shares its identity key). A key that differs from the trusted one is never trusted and never
 * saved over it: the messenger records it as a pending change on the contact, and only
 * `acceptIdentity()` replaces it. Our own account trusts only our own identity key.
 */
import {
  KyberPreKeyRecord,
  PreKeyRecord,
  ProtocolError,
  SessionRecord,
  SignedPreKeyRecord,
  constantTimeEqual,
  type Direction,
  type IdentityKeyPair,
  type IdentityKeyStore,
  type KyberPreKeyStore,
  type PreKeyStore,
  type ProtocolAddress,
  type SessionStore,
  type SignedPreKeyStore,
} from '@sotto/protocol';
import type { AccountRecord } from './account-record.js';
import type { LocalState } from './local-state.js';

export interface ProtocolStores {
  session: SessionStore;
  identity: IdentityKeyStore;
  preKey: PreKeyStore;
  signedPreKey: SignedPreKeyStore;
  kyberPreKey: KyberPreKeyStore;
}

/** Builds the five stores over `state` for `account` (this device). */
export function protocolStores(state: LocalState, account: AccountRecord): ProtocolStores {
  const identityKeyPair: IdentityKeyPair = {
    publicKey: account.identityPublic,
    privateKey: account.identityPrivate,
  };

  async function trustedKey(address: ProtocolAddress): Promise<Uint8Array | undefined> {
    if (address.name === account.accountId) return account.identityPublic;
    return state.identity(address.name);
  }

  const session: SessionStore = {
    async getSession(address) {
      const b = await state.session(address.name, address.deviceId);
      return b ? SessionRecord.deserialize(b) : null;
    },
    saveSession(address, record) {
      state.putSession(address.name, address.deviceId, record.serialize());
      return Promise.resolve();
    },
  };

  const identity: IdentityKeyStore = {
    getIdentityKeyPair: () => Promise.resolve(identityKeyPair),
    getLocalRegistrationId: () => Promise.resolve(account.registrationId),
    async saveIdentity(address, identityKey) {
      const prev = await trustedKey(address);
      if (prev === undefined) {
        state.putIdentity(address.name, identityKey.slice());
        return false;
      }
      // Never silently replace a trusted key (see the file comment).
      return !constantTimeEqual(prev, identityKey);
    },
    async isTrustedIdentity(address, identityKey, _direction: Direction) {
      const prev = await trustedKey(address);
      return prev === undefined || constantTimeEqual(prev, identityKey);
    },
    async getIdentity(address) {
      return (await trustedKey(address))?.slice() ?? null;
    },
  };

  const preKey: PreKeyStore = {
    async getPreKey(id) {
      const b = await state.preKey('pk', id);
      return b ? PreKeyRecord.deserialize(b) : null;
    },
    savePreKey(id, record) {
      state.putPreKey('pk', id, record.serialize());
      return Promise.resolve();
    },
    removePreKey(id) {
      state.deletePreKey('pk', id);
      return Promise.resolve();
    },
  };

  const signedPreKey: SignedPreKeyStore = {
    async getSignedPreKey(id) {
      const b = await state.preKey('spk', id);
      return b ? SignedPreKeyRecord.deserialize(b) : null;
    },
    saveSignedPreKey(id, record) {
      state.putPreKey('spk', id, record.serialize());
      return Promise.resolve();
    },
  };

  const kyberPreKey: KyberPreKeyStore = {
    async getKyberPreKey(id) {
      const b = await state.preKey('kpk', id);
      return b && b.length > 1 ? KyberPreKeyRecord.deserialize(b.subarray(1)) : null;
    },
    saveKyberPreKey(id, record, options) {
      const body = record.serialize();
      const out = new Uint8Array(1 + body.length);
      out[0] = options?.lastResort ? 1 : 0;
      out.set(body, 1);
      state.putPreKey('kpk', id, out);
      return Promise.resolve();
    },
    async markKyberPreKeyUsed(id, signedPreKeyId, baseKey) {
      // One-time Kyber keys are deleted once used; the last-resort key stays until rotated out,
      // but serves each base key once (libsignal's KyberPreKeyStore contract): otherwise a first
      // message replayed after its session was dropped would set that session up again.
      const b = await state.preKey('kpk', id);
      if (b && b[0] === 0) state.deletePreKey('kpk', id);
      else if (b) {
        if (await state.kyberBaseKeySeen(id, signedPreKeyId, baseKey)) {
          throw new ProtocolError('InvalidMessage', 'reused base key');
        }
        state.markKyberBaseKey(id, signedPreKeyId, baseKey);
      }
    },
  };

  return { session, identity, preKey, signedPreKey, kyberPreKey };
}
