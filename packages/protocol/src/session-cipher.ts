/**
 * Encrypt and decrypt with stored sessions (libsignal `session_management.rs`), mirroring
 * libsignal-client's Node API: `signalEncrypt`, `signalDecrypt`, `signalDecryptPreKey`.
 *
 * A record is loaded, changed in memory and saved only when the whole operation succeeded, so a
 * failure never leaves a half-updated session in the store.
 */
import type { CryptoProvider } from './crypto-provider.js';
import { ProtocolError, isProtocolError } from './errors.js';
import { ratchetDecrypt, ratchetEncrypt } from './double-ratchet.js';
import { PreKeySignalMessage, type CiphertextMessage } from './prekey-signal-message.js';
import { serializeAddresses, type ProtocolAddress } from './protocol-address.js';
import { processPreKeyMessage } from './session-builder.js';
import { defaultCrypto } from './default-crypto.js';
import { SessionRecord } from './session-record.js';
import { decryptBudget, type DecryptBudget } from './decrypt-budget.js';
import { MAX_UNACKNOWLEDGED_SESSION_AGE_MS, type SessionState } from './session-state.js';
import type { SignalMessage } from './signal-message.js';
import {
  Direction,
  type IdentityKeyStore,
  type KyberPreKeyStore,
  type PreKeyStore,
  type SessionStore,
  type SignedPreKeyStore,
} from './stores.js';

function noSession(address: ProtocolAddress): ProtocolError {
  return new ProtocolError('NoSession', `no session for ${address.toString()}`);
}

/**
 * Encrypts `plaintext` for `remoteAddress`: a PreKeySignalMessage (type 3) until the peer has
 * replied, a SignalMessage (type 2) after. Throws `NoSession` for a missing or expired
 * (unacknowledged for 30 days) session and `UntrustedIdentity` if the stored trust says no.
 */
export async function signalEncrypt(
  plaintext: Uint8Array,
  remoteAddress: ProtocolAddress,
  localAddress: ProtocolAddress,
  sessionStore: SessionStore,
  identityStore: IdentityKeyStore,
  now?: Date | number,
  crypto: CryptoProvider = defaultCrypto(),
): Promise<CiphertextMessage> {
  const record = await sessionStore.getSession(remoteAddress);
  const state = record?.currentState;
  if (!record || !state) throw noSession(remoteAddress);
  const pending = state.pending;
  let message: CiphertextMessage;
  if (pending) {
    const t = now === undefined ? Date.now() : typeof now === 'number' ? now : now.getTime();
    if (pending.createdMs + MAX_UNACKNOWLEDGED_SESSION_AGE_MS < t) {
      throw new ProtocolError(
        'SessionExpired',
        `unacknowledged session for ${remoteAddress.toString()} expired`,
      );
    }
    // The first messages bind both addresses when they are service ids (libsignal does the same).
    const inner = ratchetEncrypt(crypto, state, plaintext, serializeAddresses(localAddress, remoteAddress));
    message = PreKeySignalMessage.create({
      registrationId: state.localRegistrationId,
      preKeyId: pending.preKeyId,
      signedPreKeyId: pending.signedPreKeyId,
      kyberPreKeyId: pending.kyberPreKeyId,
      kyberCiphertext: pending.kyberCiphertext,
      baseKey: pending.baseKey,
      identityKey: state.localIdentityKey,
      message: inner,
    });
  } else {
    message = ratchetEncrypt(crypto, state, plaintext, undefined);
  }
  if (!(await identityStore.isTrustedIdentity(remoteAddress, state.remoteIdentityKey, Direction.Sending))) {
    throw new ProtocolError('UntrustedIdentity', `untrusted identity for ${remoteAddress.toString()}`);
  }
  await identityStore.saveIdentity(remoteAddress, state.remoteIdentityKey);
  await sessionStore.saveSession(remoteAddress, record);
  return message;
}

function tryState(
  crypto: CryptoProvider,
  state: SessionState,
  message: SignalMessage,
  remoteAddress: ProtocolAddress,
  localAddress: ProtocolAddress,
  budget: DecryptBudget,
): Uint8Array {
  if (state.sessionVersion !== message.messageVersion) {
    throw new ProtocolError(
      'UnsupportedVersion',
      `message version ${message.messageVersion} does not match session`,
    );
  }
  // libsignal lifts the 25,000 forward-jump limit for a session with our own account; we keep it
  // (the budget): the chain is walked up to the claimed counter before the MAC can be checked, and
  // a relay can address a forged message as coming from our own account, so no limit meant up to
  // 2^32 HMACs.
  return ratchetDecrypt(crypto, state, message, serializeAddresses(remoteAddress, localAddress), budget);
}

/**
 * Tries the current state, then each archived state (libsignal `try_decrypt_from_record`). A
 * duplicate is reported at once; for a prekey message only the current state may answer. An
 * archived state that decrypts becomes current again. The current state has libsignal's walking
 * limits; the archived ones share one more such allowance (decrypt-budget.ts).
 */
function decryptFromRecord(
  crypto: CryptoProvider,
  record: SessionRecord,
  message: SignalMessage,
  remoteAddress: ProtocolAddress,
  localAddress: ProtocolAddress,
  isPreKey: boolean,
): Uint8Array {
  const errors: unknown[] = [];
  const current = record.currentState;
  if (current) {
    try {
      return tryState(crypto, current, message, remoteAddress, localAddress, decryptBudget());
    } catch (e) {
      if (isProtocolError(e, 'DuplicateMessage') || isPreKey || !isProtocolError(e)) throw e;
      errors.push(e);
    }
  }
  const archived = decryptBudget();
  for (let i = 0; i < record.previousStateCount; i++) {
    const previous = record.previousState(i);
    try {
      const plaintext = tryState(crypto, previous, message, remoteAddress, localAddress, archived);
      record.promoteOldSession(i, previous);
      return plaintext;
    } catch (e) {
      if (isProtocolError(e, 'DuplicateMessage') || !isProtocolError(e)) throw e;
      errors.push(e);
    }
  }
  if (errors.length === 0) throw noSession(remoteAddress);
  throw errors[0];
}

/** Decrypts a SignalMessage (type 2) from `remoteAddress`. */
export async function signalDecrypt(
  message: SignalMessage,
  remoteAddress: ProtocolAddress,
  localAddress: ProtocolAddress,
  sessionStore: SessionStore,
  identityStore: IdentityKeyStore,
  crypto: CryptoProvider = defaultCrypto(),
): Promise<Uint8Array> {
  const record = await sessionStore.getSession(remoteAddress);
  if (!record) throw noSession(remoteAddress);
  const plaintext = decryptFromRecord(crypto, record, message, remoteAddress, localAddress, false);
  const theirIdentity = record.currentState!.remoteIdentityKey;
  if (!(await identityStore.isTrustedIdentity(remoteAddress, theirIdentity, Direction.Receiving))) {
    throw new ProtocolError('UntrustedIdentity', `untrusted identity for ${remoteAddress.toString()}`);
  }
  await identityStore.saveIdentity(remoteAddress, theirIdentity);
  await sessionStore.saveSession(remoteAddress, record);
  return plaintext;
}

/**
 * Decrypts a PreKeySignalMessage (type 3): sets up the session from our prekeys if it is new,
 * decrypts, then removes the one-time EC prekey and marks the Kyber prekey used (the store keeps
 * a last-resort Kyber key).
 */
export async function signalDecryptPreKey(
  message: PreKeySignalMessage,
  remoteAddress: ProtocolAddress,
  localAddress: ProtocolAddress,
  sessionStore: SessionStore,
  identityStore: IdentityKeyStore,
  preKeyStore: PreKeyStore,
  signedPreKeyStore: SignedPreKeyStore,
  kyberPreKeyStore: KyberPreKeyStore,
  crypto: CryptoProvider = defaultCrypto(),
): Promise<Uint8Array> {
  const record = (await sessionStore.getSession(remoteAddress)) ?? SessionRecord.newFresh();
  const used = await processPreKeyMessage(
    crypto,
    message,
    remoteAddress,
    localAddress,
    record,
    identityStore,
    preKeyStore,
    signedPreKeyStore,
    kyberPreKeyStore,
  );
  const plaintext = decryptFromRecord(crypto, record, message.message, remoteAddress, localAddress, true);
  await identityStore.saveIdentity(remoteAddress, message.identityKey);
  if (used) {
    await kyberPreKeyStore.markKyberPreKeyUsed(used.kyberPreKeyId, used.signedPreKeyId, message.baseKey);
    if (used.oneTimePreKeyId !== undefined) await preKeyStore.removePreKey(used.oneTimePreKeyId);
  }
  await sessionStore.saveSession(remoteAddress, record);
  return plaintext;
}
