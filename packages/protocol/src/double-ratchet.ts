/**
 * The Double Ratchet combined with minimal SPQR ("triple ratchet", libsignal
 * `triple_ratchet.rs` + `double_ratchet.rs`), on one `SessionState`.
 *
 * Decryption is computed first and committed only after the MAC and padding check out, so a
 * forged or corrupted message never changes the state (libsignal gets the same effect by trying a
 * clone). Named steps: `findReceiverChain`, `planDhRatchetStep`, `planMessageKey`, SPQR
 * `spqrRecvPlan`, `verifyAndDecrypt`, `commit`.
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
import { spqrRecvPlan, spqrSend } from './spqr.js';

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
  sender.chainKey = chainNextKey(crypto, sender.chainKey);
  sender.index += 1;
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
  let ck = chain.chainKey;
  const newSkipped: SkippedKey[] = [];
  for (let i = chain.index; i < counter; i++) {
    // Only the newest MAX_MESSAGE_KEYS survive, so older seeds need not be computed.
    if (counter - i <= MAX_MESSAGE_KEYS) newSkipped.push({ index: i, seed: chainMessageSeed(crypto, ck) });
    ck = chainNextKey(crypto, ck);
  }
  return {
    seed: chainMessageSeed(crypto, ck),
    usedSkipped: -1,
    newSkipped,
    newChainKey: chainNextKey(crypto, ck),
    newIndex: counter + 1,
  };
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
  if (!chain) {
    dh = planDhRatchetStep(crypto, state, theirKey);
    chain = dh.chain;
  }
  const mk = planMessageKey(crypto, chain, message.counter, budget);
  const pq = spqrRecvPlan(crypto, state.spqr, message.pqRatchet, budget);
  const keys = deriveMessageKeys(crypto, mk.seed, pq.key);
  let plaintext: Uint8Array;
  try {
    let macOk = message.verifyMac(crypto, state.remoteIdentityKey, state.localIdentityKey, keys.macKey);
    if (macOk && message.addresses !== undefined) {
      macOk = expectedAddresses !== undefined && bytesEqual(expectedAddresses, message.addresses);
    }
    if (!macOk) throw new ProtocolError('InvalidMac', 'MAC verification failed');
    plaintext = crypto.aes256CbcDecrypt(keys.cipherKey, keys.iv, message.ciphertext);
  } finally {
    // The message keys are single-use; the seed stays only if it is a stored skipped key.
    zeroize(keys.cipherKey, keys.macKey, keys.iv);
  }

  // Commit.
  if (dh) {
    state.rootKey = dh.rootKey;
    state.previousCounter = Math.max(state.sender.index - 1, 0);
    state.receiverChains.push(dh.chain);
    while (state.receiverChains.length > MAX_RECEIVER_CHAINS) state.receiverChains.shift();
    state.sender = dh.sender;
  }
  if (mk.usedSkipped >= 0) {
    chain.skipped.splice(mk.usedSkipped, 1);
  } else {
    if (mk.newSkipped.length > 0) {
      const all = chain.skipped.concat(mk.newSkipped);
      chain.skipped = all.length > MAX_MESSAGE_KEYS ? all.slice(all.length - MAX_MESSAGE_KEYS) : all;
    }
    chain.chainKey = mk.newChainKey!;
    chain.index = mk.newIndex;
  }
  pq.apply();
  state.pending = undefined;
  return plaintext;
}
