/**
 * SPQR ("Sparse Post-Quantum Ratchet", signalapp/SparsePostQuantumRatchet v1.5.x), MINIMAL
 * version-1 conformance: exactly what libsignal 0.103.0 accepts from a peer, and no more.
 *
 * What this does: runs SPQR's epoch-0 symmetric key chain, derived from the last 32 bytes of the
 * PQXDH output (the "SPQR auth key"), sends `None` payloads tagged epoch 1, and mixes each chain key
 * into the Double Ratchet message keys as the HKDF salt — byte-for-byte what libsignal does at
 * epoch 0. What this does NOT do: the ML-KEM "braid" (incremental ML-KEM-768, erasure-coded chunks,
 * the authenticator and its state machine) that advances SPQR epochs. So Sotto sessions get the
 * post-quantum security of the PQXDH handshake only; there are NO post-quantum ratchet steps after
 * it, and a libsignal peer talking to Sotto stays at epoch 1 for the life of the session.
 *
 * Wire format of an SPQR message (`v1/chunked/states/serialize.rs`):
 * `0x01 || varint epoch || varint index || type || [varint chunkIndex || 32-byte chunk]`,
 * types None 0, Hdr 1, Ek 2, EkCt1Ack 3, Ct1Ack 4, Ct1 5, Ct2 6; trailing bytes are allowed.
 * Chain (`src/chain.rs`): start = HKDF(salt 0³², IKM auth key, "Signal PQ Ratchet V1 Chain  Start",
 * 96) → next root || A→B chain || B→A chain; each key: HKDF(salt 0³², IKM chain,
 * BE32(counter) || "Signal PQ Ratchet V1 Chain Next", 64) → next chain || message key. Counters
 * start at 0 and the first key has index 1; (epoch 1, index 0) carries no key.
 */
import type { CryptoProvider } from './crypto-provider.js';
import type { DecryptBudget } from './decrypt-budget.js';
import { utf8, zeroize } from './bytes.js';
import { ProtocolError } from './errors.js';

const CHAIN_START = utf8('Signal PQ Ratchet V1 Chain  Start');
const CHAIN_NEXT = utf8('Signal PQ Ratchet V1 Chain Next');
const ZERO_SALT = new Uint8Array(32);
const SPQR_VERSION_1 = 1;
const MAX_VARINT_BYTES = 10;
/** libsignal's chain parameters: MAX_FORWARD_JUMPS and MAX_MESSAGE_KEYS (`ratchet.rs`). */
export const SPQR_MAX_JUMP = 25_000;
export const SPQR_MAX_OOO_KEYS = 2_000;
const TRIM_SIZE = Math.floor((SPQR_MAX_OOO_KEYS * 11) / 10) + 1;

export type SpqrDirection = 'A2B' | 'B2A';

/** Mutable minimal SPQR state (one per session state). */
export interface SpqrState {
  sendCtr: number;
  sendNext: Uint8Array;
  recvCtr: number;
  recvNext: Uint8Array;
  /** Keys kept for out-of-order receipt: index → 32-byte key. */
  recvPrev: Map<number, Uint8Array>;
  /**
   * libsignal's max forward jump (u32 max for a session with oneself). Recorded, not enforced:
   * `recvKeyPlan` caps every jump at SPQR_MAX_JUMP; kept so the record format stays unchanged.
   */
  maxJump: number;
}

function spqrError(why: string): never {
  throw new ProtocolError('InvalidMessage', `post-quantum ratchet error: ${why}`);
}

/** The initial state for one side, from the 32-byte SPQR auth key. */
export function spqrInitialState(
  crypto: CryptoProvider,
  authKey: Uint8Array,
  direction: SpqrDirection,
  selfSession = false,
): SpqrState {
  const okm = crypto.hkdfSha256(authKey, ZERO_SALT, CHAIN_START, 96);
  const a2b = okm.slice(32, 64);
  const b2a = okm.slice(64, 96);
  zeroize(okm); // the chains are copies; the unused next root (first 32 bytes) is dead too
  return {
    sendCtr: 0,
    sendNext: direction === 'A2B' ? a2b : b2a,
    recvCtr: 0,
    recvNext: direction === 'A2B' ? b2a : a2b,
    recvPrev: new Map(),
    maxJump: selfSession ? 0xffffffff : SPQR_MAX_JUMP,
  };
}

function nextKey(crypto: CryptoProvider, next: Uint8Array, ctr: number): [next: Uint8Array, key: Uint8Array] {
  const info = new Uint8Array(4 + CHAIN_NEXT.length);
  new DataView(info.buffer).setUint32(0, ctr >>> 0, false);
  info.set(CHAIN_NEXT, 4);
  const okm = crypto.hkdfSha256(next, ZERO_SALT, info, 64);
  return [okm.subarray(0, 32), okm.subarray(32, 64)];
}

function encodeVarint(v: number, out: number[]): void {
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** Produces the next outgoing SPQR message (a `None` payload at epoch 1) and its message key. */
export function spqrSend(crypto: CryptoProvider, st: SpqrState): { msg: Uint8Array; key: Uint8Array } {
  if (st.sendCtr >= 0xffffffff)
    throw new ProtocolError('InvalidSessionRecord', 'SPQR send counter exhausted');
  const ctr = st.sendCtr + 1;
  const [next, key] = nextKey(crypto, st.sendNext, ctr);
  const previous = st.sendNext;
  st.sendCtr = ctr;
  st.sendNext = next;
  // The chain key just replaced would derive this and every later send key: wipe it (forward
  // secrecy; `next` and `key` are the two halves of one fresh output, so neither aliases it).
  zeroize(previous);
  const bytes: number[] = [SPQR_VERSION_1, 1];
  encodeVarint(ctr, bytes);
  bytes.push(0); // MessageType::None
  return { msg: Uint8Array.from(bytes), key };
}

/** Decodes the SPQR header fields we need (strictly, as `Message::deserialize`). */
export function parseSpqrMessage(msg: Uint8Array): { epoch: bigint; index: number; type: number } {
  if (msg.length === 0 || msg[0] !== SPQR_VERSION_1) spqrError('message decode failed');
  let at = 1;
  const varint = (): bigint => {
    let out = 0n;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (at >= msg.length) spqrError('message decode failed');
      const b = msg[at++]!;
      out |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) return out & 0xffffffffffffffffn;
    }
    return spqrError('message decode failed');
  };
  const epoch = varint();
  if (epoch === 0n) spqrError('message decode failed');
  const index = varint();
  if (index > 0xffffffffn) spqrError('message decode failed');
  if (at >= msg.length) spqrError('message decode failed');
  const type = msg[at++]!;
  if (type > 6) spqrError('message decode failed');
  if (type !== 0 && type !== 4) {
    const chunkIndex = varint();
    if (at + 32 > msg.length || chunkIndex > 65535n) spqrError('message decode failed');
  }
  return { epoch, index: Number(index), type };
}

/**
 * A receive that has been computed but not applied (so a failed MAC leaves the state intact).
 * Exactly one of `apply` (success) or `discard` (failure) is called, after `key` has been used:
 * both wipe `key` and whatever else the plan or the state no longer needs.
 */
export interface SpqrRecvPlan {
  key: Uint8Array | undefined;
  apply(): void;
  discard(): void;
}

const NOTHING: SpqrRecvPlan = { key: undefined, apply: () => undefined, discard: () => undefined };

/**
 * Computes the message key for an incoming SPQR message without changing `st`.
 * As libsignal's `spqr::recv`: an empty message or version 0 is refused (our sessions require
 * version 1); a first byte above 1 is a future version and yields no key; an epoch other than 1
 * cannot occur with a peer that only receives `None` from us and is refused.
 */
export function spqrRecvPlan(
  crypto: CryptoProvider,
  st: SpqrState,
  msg: Uint8Array,
  budget?: DecryptBudget,
): SpqrRecvPlan {
  if (msg.length === 0 || msg[0] === 0) spqrError('Minimum version');
  if (msg[0]! > SPQR_VERSION_1) return NOTHING;
  const { epoch, index } = parseSpqrMessage(msg);
  if (epoch !== 1n) spqrError(`epoch not in valid range: ${epoch}`);
  if (index === 0) return NOTHING;
  return recvKeyPlan(crypto, st, index, budget);
}

function recvKeyPlan(
  crypto: CryptoProvider,
  st: SpqrState,
  at: number,
  budget: DecryptBudget | undefined,
): SpqrRecvPlan {
  const ctr = st.recvCtr;
  if (at < ctr) {
    if (at + SPQR_MAX_OOO_KEYS < ctr) spqrError(`Key trimmed: ${at}`);
    const key = st.recvPrev.get(at);
    if (key === undefined) spqrError(`Key already requested: ${at}`);
    return {
      key,
      apply: () => {
        st.recvPrev.delete(at);
        zeroize(key);
      },
      // Still the state's: a failed message must not spend it.
      discard: () => undefined,
    };
  }
  if (at === ctr) spqrError(`Key already requested: ${at}`);
  // Capped at SPQR_MAX_JUMP whatever `st.maxJump` says (u32 max for sessions with our own account,
  // as libsignal): the chain is walked before the MAC is checked, and a forged index must not cost
  // up to 2^32 HKDFs (see tryState in session-cipher.ts).
  const allowed = Math.min(SPQR_MAX_JUMP, budget?.spqrSteps ?? SPQR_MAX_JUMP);
  if (at - ctr > allowed) spqrError(`Key jump: ${ctr} - ${at}`);
  if (budget) budget.spqrSteps -= at - ctr; // spent even if the MAC then fails (decrypt-budget.ts)
  // Intermediate chain keys are the walk's own (never the state's `recvNext`): wiped as it goes.
  let next = st.recvNext;
  let c = ctr;
  const skipped: [number, Uint8Array][] = [];
  while (at > c + 1) {
    c++;
    const [n, k] = nextKey(crypto, next, c);
    if (next !== st.recvNext) zeroize(next);
    next = n;
    if (c + SPQR_MAX_OOO_KEYS >= at) skipped.push([c, k.slice()]);
    zeroize(k);
  }
  const gcCtr = c;
  c++;
  const [finalNext, key] = nextKey(crypto, next, c);
  if (next !== st.recvNext) zeroize(next);
  return {
    key,
    apply: () => {
      const dead: Uint8Array[] = [];
      if (at > ctr + SPQR_MAX_OOO_KEYS) {
        dead.push(...st.recvPrev.values());
        st.recvPrev.clear();
      }
      for (const [i, k] of skipped) st.recvPrev.set(i, k);
      if (st.recvPrev.size >= TRIM_SIZE && gcCtr >= SPQR_MAX_OOO_KEYS) {
        const horizon = gcCtr - SPQR_MAX_OOO_KEYS;
        for (const [i, k] of st.recvPrev) {
          if (i < horizon) {
            dead.push(k);
            st.recvPrev.delete(i);
          }
        }
      }
      dead.push(st.recvNext);
      st.recvCtr = c;
      st.recvNext = finalNext.slice();
      // Evicted out-of-order keys, the replaced chain key and this message's key are all dead.
      zeroize(finalNext, key, ...dead);
    },
    discard: () => {
      zeroize(finalNext, key);
      for (const [, k] of skipped) zeroize(k);
    },
  };
}

/** A deep copy: no buffer is shared, so wiping one state's dead keys never touches the other's. */
export function cloneSpqrState(st: SpqrState): SpqrState {
  const recvPrev = new Map<number, Uint8Array>();
  for (const [i, k] of st.recvPrev) recvPrev.set(i, k.slice());
  return { ...st, sendNext: st.sendNext.slice(), recvNext: st.recvNext.slice(), recvPrev };
}
