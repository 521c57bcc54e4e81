/**
 * Session set-up (libsignal `session.rs`): Alice processes Bob's prekey bundle
 * (`processPreKeyBundle`); Bob processes Alice's first PreKeySignalMessage (`processPreKeyMessage`,
 * called by `signalDecryptPreKey`).
 */
import { constantTimeEqual, zeroize } from './bytes.js';
import type { CryptoProvider } from './crypto-provider.js';
import { ProtocolError } from './errors.js';
import { generateRawKeyPair, agree } from './dh.js';
import type { PreKeyBundle } from './prekey-bundle.js';
import type { PreKeySignalMessage } from './prekey-signal-message.js';
import type { ProtocolAddress } from './protocol-address.js';
import { pqxdhAccept, pqxdhInitiate, type InitiatorParams } from './pqxdh.js';
import { rootStep } from './ratchet-keys.js';
import { SessionRecord } from './session-record.js';
import { verifySignature } from './curve.js';
import { defaultCrypto } from './default-crypto.js';
import type { SessionState } from './session-state.js';
import { CIPHERTEXT_MESSAGE_CURRENT_VERSION } from './signal-message.js';
import { spqrInitialState } from './spqr.js';
import {
  Direction,
  type IdentityKeyStore,
  type KyberPreKeyStore,
  type PreKeyStore,
  type SessionStore,
  type SignedPreKeyStore,
} from './stores.js';

/** libsignal `is_same_account`: a session with another device of our own account. */
export function isSelfSession(
  localAddress: ProtocolAddress,
  localIdentity: Uint8Array,
  remoteAddress: ProtocolAddress,
  remoteIdentity: Uint8Array,
): boolean {
  return localAddress.name === remoteAddress.name && constantTimeEqual(localIdentity, remoteIdentity);
}

function nowMs(now: Date | number | undefined): number {
  if (now === undefined) return Date.now();
  return typeof now === 'number' ? now : now.getTime();
}

/**
 * Alice: builds a session from Bob's bundle after checking trust and both signatures. The next
 * `signalEncrypt` produces a PreKeySignalMessage until Bob replies.
 */
export async function processPreKeyBundle(
  bundle: PreKeyBundle,
  remoteAddress: ProtocolAddress,
  localAddress: ProtocolAddress,
  sessionStore: SessionStore,
  identityStore: IdentityKeyStore,
  now?: Date | number,
  crypto: CryptoProvider = defaultCrypto(),
  testHooks?: { kemEncapsulate?: InitiatorParams['encapsulate'] },
): Promise<void> {
  const theirIdentity = bundle.identityKey;
  if (!(await identityStore.isTrustedIdentity(remoteAddress, theirIdentity, Direction.Sending))) {
    throw new ProtocolError('UntrustedIdentity', `untrusted identity for ${remoteAddress.toString()}`);
  }
  if (!verifySignature(theirIdentity, bundle.signedPreKey, bundle.signedPreKeySignature, crypto)) {
    throw new ProtocolError('InvalidSignature', 'signed prekey signature does not verify');
  }
  if (!verifySignature(theirIdentity, bundle.kyberPreKey, bundle.kyberPreKeySignature, crypto)) {
    throw new ProtocolError('InvalidSignature', 'Kyber prekey signature does not verify');
  }
  const record = (await sessionStore.getSession(remoteAddress)) ?? SessionRecord.newFresh();
  const ours = await identityStore.getIdentityKeyPair();
  const base = generateRawKeyPair(crypto);
  let handshake: ReturnType<typeof pqxdhInitiate>;
  try {
    handshake = pqxdhInitiate(crypto, {
      ourIdentityPrivate: ours.privateKey,
      ourBasePrivate: base.privateKey,
      theirIdentityKey: theirIdentity,
      theirSignedPreKey: bundle.signedPreKey,
      theirOneTimePreKey: bundle.preKey,
      theirKyberPreKey: bundle.kyberPreKey,
      encapsulate: testHooks?.kemEncapsulate,
    });
  } finally {
    // PQXDH spec §3.3: Alice deletes her ephemeral private key once the shared secret is derived.
    zeroize(base.privateKey);
  }
  const { keys, kyberCiphertext } = handshake;
  // Bob's signed prekey doubles as his first ratchet key: receive chain from PQXDH, then one
  // root step with a fresh sending ratchet key (libsignal `initialize_alice_session`).
  const sending = generateRawKeyPair(crypto);
  const dh = agree(crypto, sending.privateKey, bundle.signedPreKey);
  const [rootKey, sendChainKey] = rootStep(crypto, keys.rootKey, dh);
  zeroize(dh, keys.rootKey);
  const self = isSelfSession(localAddress, ours.publicKey, remoteAddress, theirIdentity);
  const state: SessionState = {
    sessionVersion: CIPHERTEXT_MESSAGE_CURRENT_VERSION,
    localIdentityKey: ours.publicKey,
    remoteIdentityKey: theirIdentity,
    rootKey,
    previousCounter: 0,
    sender: {
      ratchetPublic: sending.publicKey,
      ratchetPrivate: sending.privateKey,
      chainKey: sendChainKey,
      index: 0,
    },
    receiverChains: [{ ratchetKey: bundle.signedPreKey, chainKey: keys.chainKey, index: 0, skipped: [] }],
    aliceBaseKey: base.publicKey,
    localRegistrationId: await identityStore.getLocalRegistrationId(),
    remoteRegistrationId: bundle.registrationId,
    pending: {
      preKeyId: bundle.preKeyId,
      signedPreKeyId: bundle.signedPreKeyId,
      baseKey: base.publicKey,
      createdMs: nowMs(now),
      kyberPreKeyId: bundle.kyberPreKeyId,
      kyberCiphertext,
    },
    spqr: spqrInitialState(crypto, keys.spqrAuthKey, 'A2B', self),
  };
  zeroize(keys.spqrAuthKey); // only seeds the SPQR chains
  await identityStore.saveIdentity(remoteAddress, theirIdentity);
  record.promoteState(state);
  await sessionStore.saveSession(remoteAddress, record);
}

export interface PreKeysUsed {
  oneTimePreKeyId: number | undefined;
  signedPreKeyId: number;
  kyberPreKeyId: number;
}

/**
 * Bob: makes the session a PreKeySignalMessage asks for current in `record` — an existing one with
 * the same base key (a repeated first message), or a new one from PQXDH. Returns which prekeys
 * were used (undefined for an existing session). The caller decrypts, then consumes the prekeys.
 */
export async function processPreKeyMessage(
  crypto: CryptoProvider,
  message: PreKeySignalMessage,
  remoteAddress: ProtocolAddress,
  localAddress: ProtocolAddress,
  record: SessionRecord,
  identityStore: IdentityKeyStore,
  preKeyStore: PreKeyStore,
  signedPreKeyStore: SignedPreKeyStore,
  kyberPreKeyStore: KyberPreKeyStore,
): Promise<PreKeysUsed | undefined> {
  const theirIdentity = message.identityKey;
  if (!(await identityStore.isTrustedIdentity(remoteAddress, theirIdentity, Direction.Receiving))) {
    throw new ProtocolError('UntrustedIdentity', `untrusted identity for ${remoteAddress.toString()}`);
  }
  if (record.promoteMatchingSession(message.messageVersion, message.baseKey)) {
    // The outer PreKeySignalMessage is not MACed; only the inner message is, with the identity keys
    // stored in the matched session. A repeat whose identity_key field differs from that session's
    // was altered in transit: accepting it would let the caller save an identity no MAC or PQXDH
    // ever authenticated (libsignal saves `message.identity_key()` here; we refuse instead).
    if (!constantTimeEqual(record.currentState!.remoteIdentityKey, theirIdentity)) {
      throw new ProtocolError('InvalidMessage', 'identity key differs from the session of this base key');
    }
    return undefined;
  }

  const signed = await signedPreKeyStore.getSignedPreKey(message.signedPreKeyId);
  if (!signed) throw new ProtocolError('InvalidSignedPreKeyId', 'unknown signed prekey id');
  const kyber = await kyberPreKeyStore.getKyberPreKey(message.kyberPreKeyId);
  if (!kyber) throw new ProtocolError('InvalidKyberPreKeyId', 'unknown Kyber prekey id');
  let oneTimePrivate: Uint8Array | undefined;
  if (message.preKeyId !== undefined) {
    const pre = await preKeyStore.getPreKey(message.preKeyId);
    if (!pre) throw new ProtocolError('InvalidPreKeyId', 'unknown one-time prekey id');
    oneTimePrivate = pre.privateKey;
  }
  const ours = await identityStore.getIdentityKeyPair();
  const keys = pqxdhAccept(crypto, {
    ourIdentityPrivate: ours.privateKey,
    ourSignedPreKeyPrivate: signed.privateKey,
    ourOneTimePreKeyPrivate: oneTimePrivate,
    ourKyberSecretKey: kyber.secretKey,
    theirIdentityKey: theirIdentity,
    theirBaseKey: message.baseKey,
    kyberCiphertext: message.kyberCiphertext,
  });
  const self = isSelfSession(localAddress, ours.publicKey, remoteAddress, theirIdentity);
  const state: SessionState = {
    sessionVersion: CIPHERTEXT_MESSAGE_CURRENT_VERSION,
    localIdentityKey: ours.publicKey,
    remoteIdentityKey: theirIdentity,
    rootKey: keys.rootKey,
    previousCounter: 0,
    sender: {
      ratchetPublic: signed.publicKey,
      // The state's OWN copy: the first DH ratchet step wipes the replaced ratchet private key,
      // and that must never reach the record the signed prekey store (or its cache) holds.
      ratchetPrivate: signed.privateKey.slice(),
      chainKey: keys.chainKey,
      index: 0,
    },
    receiverChains: [],
    aliceBaseKey: message.baseKey,
    localRegistrationId: await identityStore.getLocalRegistrationId(),
    remoteRegistrationId: message.registrationId,
    pending: undefined,
    spqr: spqrInitialState(crypto, keys.spqrAuthKey, 'B2A', self),
  };
  zeroize(keys.spqrAuthKey); // only seeds the SPQR chains
  record.promoteState(state);
  return {
    oneTimePreKeyId: message.preKeyId,
    signedPreKeyId: message.signedPreKeyId,
    kyberPreKeyId: message.kyberPreKeyId,
  };
}
