/**
 * One Double Ratchet session state (libsignal `state/session.rs` `SessionState`), and its
 * versioned binary serialisation. The format is Sotto's own (not libsignal's protobuf): compact,
 * fixed-layout, and strictly validated on decode because it is read back from disk.
 *
 * Format v1 (all integers big-endian):
 *   u8 sessionVersion (=4) | localIdentity 33 | remoteIdentity 33 | rootKey 32 | u32 previousCounter
 *   | sender: ratchetPub 33, ratchetPriv 32, chainKey 32, u32 index
 *   | u8 receiverChains (≤5) × { ratchetKey 33, chainKey 32, u32 index,
 *                                u16 skipped (≤2000) × { u32 index, seed 32 } }
 *   | aliceBaseKey 33 | u32 localRegistrationId | u32 remoteRegistrationId
 *   | u8 hasPending [ u8 hasPreKeyId [u32 preKeyId] u32 signedPreKeyId, baseKey 33, u64 createdMs,
 *                     u32 kyberPreKeyId, kyberCiphertext 1569 ]
 *   | SPQR: u32 sendCtr, sendNext 32, u32 recvCtr, recvNext 32, u32 maxJump,
 *           u16 kept (≤ 4201) × { u32 index, key 32 }
 */
import { BinReader, BinWriter } from './binary-codec.js';
import { DJB_KEY_TYPE, PUBLIC_KEY_LENGTH } from './signal-message.js';
import { KEM_CIPHERTEXT_LENGTH, KEM_TYPE_KYBER1024, KEM_TYPE_MLKEM1024 } from './prekey-signal-message.js';
import type { SpqrState } from './spqr.js';
import { SPQR_MAX_OOO_KEYS } from './spqr.js';

/** libsignal `consts.rs`. */
export const MAX_FORWARD_JUMPS = 25_000;
export const MAX_MESSAGE_KEYS = 2_000;
export const MAX_RECEIVER_CHAINS = 5;
export const ARCHIVED_STATES_MAX_LENGTH = 40;
/** An unacknowledged session (no reply yet) is unusable for sending after 30 days. */
export const MAX_UNACKNOWLEDGED_SESSION_AGE_MS = 30 * 24 * 60 * 60 * 1000;

const STATE_FORMAT_SESSION_VERSION = 4;
const MAX_SPQR_KEPT = SPQR_MAX_OOO_KEYS * 2 + 201;

export interface SkippedKey {
  index: number;
  /** The message-key seed (HMAC(ck, 0x01)); expanded with the SPQR key when used. */
  seed: Uint8Array;
}

export interface ReceiverChain {
  ratchetKey: Uint8Array;
  chainKey: Uint8Array;
  index: number;
  /** Oldest first; at most MAX_MESSAGE_KEYS. */
  skipped: SkippedKey[];
}

export interface SenderChain {
  ratchetPublic: Uint8Array;
  ratchetPrivate: Uint8Array;
  chainKey: Uint8Array;
  index: number;
}

export interface PendingPreKey {
  preKeyId: number | undefined;
  signedPreKeyId: number;
  baseKey: Uint8Array;
  /** When the session was created (ms since epoch): it expires unacknowledged after 30 days. */
  createdMs: number;
  kyberPreKeyId: number;
  kyberCiphertext: Uint8Array;
}

export interface SessionState {
  sessionVersion: number;
  localIdentityKey: Uint8Array;
  remoteIdentityKey: Uint8Array;
  rootKey: Uint8Array;
  previousCounter: number;
  sender: SenderChain;
  /** Oldest first; at most MAX_RECEIVER_CHAINS. */
  receiverChains: ReceiverChain[];
  aliceBaseKey: Uint8Array;
  localRegistrationId: number;
  remoteRegistrationId: number;
  pending: PendingPreKey | undefined;
  spqr: SpqrState;
}

/** Exact encoded size of `s`, so encoding writes one buffer with no copy. */
export function sessionStateSize(s: SessionState): number {
  let size = 1 + 33 + 33 + 32 + 4 + (33 + 32 + 32 + 4) + 1;
  for (const c of s.receiverChains) size += 33 + 32 + 4 + 2 + c.skipped.length * 36;
  size += 33 + 4 + 4 + 1;
  if (s.pending)
    size += 1 + (s.pending.preKeyId === undefined ? 0 : 4) + 4 + 33 + 8 + 4 + KEM_CIPHERTEXT_LENGTH;
  size += 4 + 32 + 4 + 32 + 4 + 2 + s.spqr.recvPrev.size * 36;
  return size;
}

/** Appends the encoding of `s` to `w`. */
export function writeSessionState(w: BinWriter, s: SessionState): void {
  w.u8(s.sessionVersion)
    .fixed(s.localIdentityKey)
    .fixed(s.remoteIdentityKey)
    .fixed(s.rootKey)
    .u32(s.previousCounter)
    .fixed(s.sender.ratchetPublic)
    .fixed(s.sender.ratchetPrivate)
    .fixed(s.sender.chainKey)
    .u32(s.sender.index)
    .u8(s.receiverChains.length);
  for (const c of s.receiverChains) {
    w.fixed(c.ratchetKey).fixed(c.chainKey).u32(c.index).u16(c.skipped.length);
    for (const k of c.skipped) w.u32(k.index).fixed(k.seed);
  }
  w.fixed(s.aliceBaseKey).u32(s.localRegistrationId).u32(s.remoteRegistrationId);
  const p = s.pending;
  if (p === undefined) {
    w.u8(0);
  } else {
    w.u8(1);
    if (p.preKeyId === undefined) w.u8(0);
    else w.u8(1).u32(p.preKeyId);
    w.u32(p.signedPreKeyId).fixed(p.baseKey).u64(p.createdMs).u32(p.kyberPreKeyId).fixed(p.kyberCiphertext);
  }
  const q = s.spqr;
  w.u32(q.sendCtr).fixed(q.sendNext).u32(q.recvCtr).fixed(q.recvNext).u32(q.maxJump).u16(q.recvPrev.size);
  for (const [i, k] of q.recvPrev) w.u32(i).fixed(k);
}

export function encodeSessionState(s: SessionState): Uint8Array {
  const w = new BinWriter(sessionStateSize(s));
  writeSessionState(w, s);
  return w.finish();
}

function publicKey(r: BinReader, what: string): Uint8Array {
  const k = r.fixed(PUBLIC_KEY_LENGTH);
  if (k[0] !== DJB_KEY_TYPE) r.fail(`${what} is not a 0x05 public key`);
  return k;
}

/**
 * Strictly decodes a state. The result holds VIEWS into `bytes`: pass a buffer nobody will
 * overwrite (SessionRecord.deserialize copies its input once for this reason).
 */
export function decodeSessionState(bytes: Uint8Array): SessionState {
  const r = new BinReader(bytes, 'InvalidSessionRecord', 'session state');
  const sessionVersion = r.u8();
  if (sessionVersion !== STATE_FORMAT_SESSION_VERSION)
    r.fail(`unsupported session version ${sessionVersion}`);
  const localIdentityKey = publicKey(r, 'local identity');
  const remoteIdentityKey = publicKey(r, 'remote identity');
  const rootKey = r.fixed(32);
  const previousCounter = r.u32();
  const sender: SenderChain = {
    ratchetPublic: publicKey(r, 'sender ratchet key'),
    ratchetPrivate: r.fixed(32),
    chainKey: r.fixed(32),
    index: r.u32(),
  };
  const chainCount = r.u8();
  if (chainCount > MAX_RECEIVER_CHAINS) r.fail('too many receiver chains');
  const receiverChains: ReceiverChain[] = [];
  for (let i = 0; i < chainCount; i++) {
    const ratchetKey = publicKey(r, 'receiver ratchet key');
    const chainKey = r.fixed(32);
    const index = r.u32();
    const n = r.u16();
    if (n > MAX_MESSAGE_KEYS) r.fail('too many skipped keys');
    const skipped: SkippedKey[] = [];
    for (let j = 0; j < n; j++) {
      const ki = r.u32();
      if (ki >= index) r.fail('skipped key ahead of its chain');
      skipped.push({ index: ki, seed: r.fixed(32) });
    }
    receiverChains.push({ ratchetKey, chainKey, index, skipped });
  }
  const aliceBaseKey = publicKey(r, 'base key');
  const localRegistrationId = r.u32();
  const remoteRegistrationId = r.u32();
  let pending: PendingPreKey | undefined;
  if (r.bool()) {
    const preKeyId = r.bool() ? r.u32() : undefined;
    const signedPreKeyId = r.u32();
    const baseKey = publicKey(r, 'pending base key');
    const createdMs = r.u64();
    const kyberPreKeyId = r.u32();
    const kyberCiphertext = r.fixed(KEM_CIPHERTEXT_LENGTH);
    if (kyberCiphertext[0] !== KEM_TYPE_KYBER1024 && kyberCiphertext[0] !== KEM_TYPE_MLKEM1024) {
      r.fail('invalid pending KEM ciphertext');
    }
    pending = { preKeyId, signedPreKeyId, baseKey, createdMs, kyberPreKeyId, kyberCiphertext };
  }
  const sendCtr = r.u32();
  const sendNext = r.fixed(32);
  const recvCtr = r.u32();
  const recvNext = r.fixed(32);
  const maxJump = r.u32();
  const kept = r.u16();
  if (kept > MAX_SPQR_KEPT) r.fail('too many SPQR keys');
  const recvPrev = new Map<number, Uint8Array>();
  for (let j = 0; j < kept; j++) {
    const i = r.u32();
    if (i >= recvCtr || recvPrev.has(i)) r.fail('invalid SPQR key index');
    recvPrev.set(i, r.fixed(32));
  }
  r.end();
  return {
    sessionVersion,
    localIdentityKey,
    remoteIdentityKey,
    rootKey,
    previousCounter,
    sender,
    receiverChains,
    aliceBaseKey,
    localRegistrationId,
    remoteRegistrationId,
    pending,
    spqr: { sendCtr, sendNext, recvCtr, recvNext, recvPrev, maxJump },
  };
}
