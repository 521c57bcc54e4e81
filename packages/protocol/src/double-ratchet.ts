/**
 * The Double Ratchet combined with minimal SPQR ("triple ratchet", libsignal
 * `triple_ratchet.rs` + `double_ratchet.rs`), on one `SessionState`.
 *
 * Decryption is computed first and committed only after the MAC and padding check out, so a
 * forged or corrupted message never changes the state (libsignal gets the same effect by trying a
 * clone). Named steps: `findReceiverChain`, `planDhRatchetStep`, `planMessageKey`, SPQR
 * `spqrRecvPlan`, `verifyAndDecrypt`, `commit`.
 *
 * Zeroisation (Double Ratchet spec §3.5, §8.4: delete what is no longer needed): a failed decrypt
 * wipes only what its plan made (`discardPlans`); a commit wipes the secrets it replaces or drops
 * (the old root key, sending chain and ratchet private key, advanced chain keys, used and evicted
 * skipped keys). Every buffer wiped is the state's own: states decoded from a record are views into
 * that record's private copy, and Bob's first ratchet key is a copy of the signed prekey
 * (session-builder.ts), so nothing another state, record or store still reads is touched.
 */
import type { CryptoProvider } from './crypto-provider.js';
import { zeroize } from './bytes.js';
import { ProtocolError } from './errors.js';
import { agree, generateRawKeyPair } from './dh.js';
import { chainMessageSeed, chainNextKey, deriveMessageKeys, rootStep } from './ratchet-keys.js';
import { SignalMessage } from './signal-message.js';
import { decryptBudget, type DecryptBudget } from './decrypt-budget.js';
import {
  MAX_MESSAGE_KEYS,
  MAX_RECEIVER_CHAINS,
  type ReceiverChain,
  type SenderChain,
  type SessionState,
  type SkippedKey,
} from './session-state.js';
import { spqrRecvPlan, spqrSend, type SpqrRecvPlan } from './spqr.js';

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Encrypts with the current sender chain and advances it (the caller stores the record). */
export function ratchetEncrypt(
  crypto: CryptoProvider,
  state: SessionState,
  plaintext: Uint8Array,
  addresses: Uint8Array | undefined,
): SignalMessage {
  const sender = state.sender;
  const pq = spqrSend(crypto, state.spqr);
  const seed = chainMessageSeed(crypto, sender.chainKey);
  const keys = deriveMessageKeys(crypto, seed, pq.key);
  let message: SignalMessage;
  try {
    const ciphertext = crypto.aes256CbcEncrypt(keys.cipherKey, keys.iv, plaintext);
    message = SignalMessage.create(
      crypto,
      {
        senderRatchetKey: sender.ratchetPublic,
        counter: sender.index,
        previousCounter: state.previousCounter,
        ciphertext,
        pqRatchet: pq.msg,
        addresses,
      },
      keys.macKey,
      state.localIdentityKey,
      state.remoteIdentityKey,
      state.sessionVersion,
    );
  } finally {
    zeroize(seed, keys.cipherKey, keys.macKey, keys.iv, pq.key);
  }
  const spent = sender.chainKey;
  sender.chainKey = chainNextKey(crypto, spent);
  sender.index += 1;
  // The old chain key would re-derive this message's keys: gone once the chain has moved on.
  zeroize(spent);
  return message;
}

function findReceiverChain(state: SessionState, ratchetKey: Uint8Array): ReceiverChain | undefined {
  // Newest chains are at the end and most likely to match.
  for (let i = state.receiverChains.length - 1; i >= 0; i--) {
    const c = state.receiverChains[i]!;
    if (bytesEqual(c.ratchetKey, ratchetKey)) return c;
  }
  return undefined;
}

interface DhStepPlan {
  rootKey: Uint8Array;
  chain: ReceiverChain;
  sender: SenderChain;
}

/** A DH ratchet step for a new remote ratchet key: receiving then sending half-step. */
function planDhRatchetStep(crypto: CryptoProvider, state: SessionState, theirKey: Uint8Array): DhStepPlan {
  const dh1 = agree(crypto, state.sender.ratchetPrivate, theirKey);
  const [root1, recvChainKey] = rootStep(crypto, state.rootKey, dh1);
  const ours = generateRawKeyPair(crypto);
  const dh2 = agree(crypto, ours.privateKey, theirKey);
  const [root2, sendChainKey] = rootStep(crypto, root1, dh2);
  // DH outputs and the intermediate root key are not needed again (Double Ratchet spec §3.5:
  // delete what is no longer needed).
  zeroize(dh1, dh2, root1);
  return {
    rootKey: root2,
    chain: { ratchetKey: theirKey, chainKey: recvChainKey, index: 0, skipped: [] },
    sender: {
      ratchetPublic: ours.publicKey,
      ratchetPrivate: ours.privateKey,
      chainKey: sendChainKey,
      index: 0,
    },
  };
}

interface MessageKeyPlan {
  /** A fresh seed, or the stored seed of the skipped key `usedSkipped`. */
  seed: Uint8Array;
  /** Index into chain.skipped of a consumed skipped key, or -1. */
  usedSkipped: number;
  newSkipped: SkippedKey[];
  newChainKey: Uint8Array | undefined;
  newIndex: number;
}

function planMessageKey(
  crypto: CryptoProvider,
  chain: ReceiverChain,
  counter: number,
  budget: DecryptBudget,
): MessageKeyPlan {
  if (counter < chain.index) {
    const i = chain.skipped.findIndex((k) => k.index === counter);
    if (i < 0) throw new ProtocolError('DuplicateMessage', `duplicate message (counter ${counter})`);
    return {
      seed: chain.skipped[i]!.seed,
      usedSkipped: i,
      newSkipped: [],
      newChainKey: undefined,
      newIndex: chain.index,
    };
  }
  const jump = counter - chain.index;
  if (jump > budget.chainSteps) {
    throw new ProtocolError('TooManySkippedKeys', 'message from too far into the future');
  }
  // Spent whether or not the MAC then checks out: the walk is the cost a forgery imposes.
  budget.chainSteps -= jump;
  // Chain keys between the stored one and the new one are the walk's own: wiped as it goes.
  let ck = chain.chainKey;
  const newSkipped: SkippedKey[] = [];
  for (let i = chain.index; i < counter; i++) {
    // Only the newest MAX_MESSAGE_KEYS survive, so older seeds need not be computed.
    if (counter - i <= MAX_MESSAGE_KEYS) newSkipped.push({ index: i, seed: chainMessageSeed(crypto, ck) });
    const next = chainNextKey(crypto, ck);
    if (ck !== chain.chainKey) zeroize(ck);
    ck = next;
  }
  const seed = chainMessageSeed(crypto, ck);
  const newChainKey = chainNextKey(crypto, ck);
  if (ck !== chain.chainKey) zeroize(ck);
  return { seed, usedSkipped: -1, newSkipped, newChainKey, newIndex: counter + 1 };
}

/** Wipes what a failed decrypt computed; the state's own buffers are left as they were. */
function discardPlans(
  dh: DhStepPlan | undefined,
  mk: MessageKeyPlan | undefined,
  pq: SpqrRecvPlan | undefined,
): void {
  if (dh) zeroize(dh.rootKey, dh.chain.chainKey, dh.sender.ratchetPrivate, dh.sender.chainKey);
  if (mk && mk.usedSkipped < 0) {
    zeroize(mk.seed, mk.newChainKey);
    for (const k of mk.newSkipped) zeroize(k.seed);
  }
  pq?.discard();
}

/** Wipes a receiver chain dropped from the state (more than MAX_RECEIVER_CHAINS). */
function wipeReceiverChain(chain: ReceiverChain): void {
  zeroize(chain.chainKey);
  for (const k of chain.skipped) zeroize(k.seed);
}

/**
 * Decrypts `message` with `state`, committing the ratchet only on success.
 * `expectedAddresses` is the 36-byte sender/recipient binding we would expect (undefined when our
 * address names are not service ids); a message carrying addresses must match it.
 */
export function ratchetDecrypt(
  crypto: CryptoProvider,
  state: SessionState,
  message: SignalMessage,
  expectedAddresses: Uint8Array | undefined,
  budget: DecryptBudget = decryptBudget(),
): Uint8Array {
  const theirKey = message.senderRatchetKey;
  let chain = findReceiverChain(state, theirKey);
  let dh: DhStepPlan | undefined;
  let mk: MessageKeyPlan | undefined;
  let pq: SpqrRecvPlan | undefined;
  let plaintext: Uint8Array;
  try {
    if (!chain) {
      dh = planDhRatchetStep(crypto, state, theirKey);
      chain = dh.chain;
    }
    mk = planMessageKey(crypto, chain, message.counter, budget);
    pq = spqrRecvPlan(crypto, state.spqr, message.pqRatchet, budget);
    const keys = deriveMessageKeys(crypto, mk.seed, pq.key);
    try {
      let macOk = message.verifyMac(crypto, state.remoteIdentityKey, state.localIdentityKey, keys.macKey);
      if (macOk && message.addresses !== undefined) {
        macOk = expectedAddresses !== undefined && bytesEqual(expectedAddresses, message.addresses);
      }
      if (!macOk) throw new ProtocolError('InvalidMac', 'MAC verification failed');
      plaintext = crypto.aes256CbcDecrypt(keys.cipherKey, keys.iv, message.ciphertext);
    } finally {
      // The message keys are single-use.
      zeroize(keys.cipherKey, keys.macKey, keys.iv);
    }
  } catch (e) {
    discardPlans(dh, mk, pq);
    throw e;
  }

  // Commit. What the new state no longer holds is wiped (see the file comment).
  if (dh) {
    const old = state.sender;
    const oldRoot = state.rootKey;
    state.rootKey = dh.rootKey;
    state.previousCounter = Math.max(old.index - 1, 0);
    state.receiverChains.push(dh.chain);
    while (state.receiverChains.length > MAX_RECEIVER_CHAINS)
      wipeReceiverChain(state.receiverChains.shift()!);
    state.sender = dh.sender;
    // For Bob's first step `old.ratchetPrivate` is the state's copy of the signed prekey.
    zeroize(oldRoot, old.chainKey, old.ratchetPrivate);
  }
  if (mk.usedSkipped >= 0) {
    chain.skipped.splice(mk.usedSkipped, 1);
  } else {
    if (mk.newSkipped.length > 0) {
      const all = chain.skipped.concat(mk.newSkipped);
      if (all.length > MAX_MESSAGE_KEYS) {
        const evicted = all.length - MAX_MESSAGE_KEYS;
        for (let i = 0; i < evicted; i++) zeroize(all[i]!.seed);
        chain.skipped = all.slice(evicted);
      } else {
        chain.skipped = all;
      }
    }
    const spent = chain.chainKey;
    chain.chainKey = mk.newChainKey!;
    chain.index = mk.newIndex;
    zeroize(spent);
  }
  // Fresh or a just-removed skipped key, the seed is now dead.
  zeroize(mk.seed);
  pq.apply();
  state.pending = undefined;
  return plaintext;
}
