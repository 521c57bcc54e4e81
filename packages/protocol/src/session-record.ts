/**
 * `SessionRecord`: the current session state plus up to 40 archived previous states, as libsignal
 * `state/session.rs`. Archived states stay encoded until a decrypt needs them (libsignal does the
 * same), which keeps the per-message store round trip cheap.
 *
 * Serialised format v1: `"SR" u8 formatVersion=1 | u8 hasCurrent [u32 len, state] |
 * u8 previousCount (≤40) × [u32 len, state]`. Every state is fully validated on decode.
 */
import { BinReader, BinWriter } from './binary-codec.js';
import { constantTimeEqual } from './bytes.js';
import { ProtocolError } from './errors.js';
import {
  ARCHIVED_STATES_MAX_LENGTH,
  MAX_UNACKNOWLEDGED_SESSION_AGE_MS,
  decodeSessionState,
  encodeSessionState,
  sessionStateSize,
  writeSessionState,
  type SessionState,
} from './session-state.js';

const MAGIC0 = 0x53; // 'S'
const MAGIC1 = 0x52; // 'R'
const FORMAT_VERSION = 1;
const MAX_STATE_BYTES = 1 << 20;

export class SessionRecord {
  private constructor(
    private current: SessionState | undefined,
    /** Newest first, encoded. */
    private previous: Uint8Array[],
  ) {}

  static newFresh(): SessionRecord {
    return new SessionRecord(undefined, []);
  }

  static deserialize(bytes: Uint8Array): SessionRecord {
    if (!(bytes instanceof Uint8Array)) throw new ProtocolError('InvalidArgument', 'expected bytes');
    // One copy of the input; every decoded field is a view into it.
    const r = new BinReader(bytes.slice(), 'InvalidSessionRecord', 'session record');
    if (r.u8() !== MAGIC0 || r.u8() !== MAGIC1) r.fail('bad magic');
    const v = r.u8();
    if (v !== FORMAT_VERSION) r.fail(`unsupported format version ${v}`);
    const current = r.bool() ? decodeSessionState(r.bytes(MAX_STATE_BYTES)) : undefined;
    const n = r.u8();
    if (n > ARCHIVED_STATES_MAX_LENGTH) r.fail('too many previous states');
    const previous: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const b = r.bytes(MAX_STATE_BYTES);
      decodeSessionState(b); // validate now: a record is either wholly valid or rejected
      previous.push(b);
    }
    r.end();
    return new SessionRecord(current, previous);
  }

  serialize(): Uint8Array {
    const cur = this.current;
    const curSize = cur ? sessionStateSize(cur) : 0;
    let size = 3 + 1 + (cur ? 4 + curSize : 0) + 1;
    for (const p of this.previous) size += 4 + p.length;
    const w = new BinWriter(size);
    w.u8(MAGIC0).u8(MAGIC1).u8(FORMAT_VERSION);
    if (cur) {
      w.u8(1).u32(curSize);
      writeSessionState(w, cur);
    } else {
      w.u8(0);
    }
    w.u8(this.previous.length);
    for (const p of this.previous) w.bytes(p);
    return w.finish();
  }

  /** The current state, if any (mutable: callers commit changes by storing the record). */
  get currentState(): SessionState | undefined {
    return this.current;
  }

  setCurrentState(state: SessionState): void {
    this.current = state;
  }

  get previousStateCount(): number {
    return this.previous.length;
  }

  /** Decodes archived state `i` (0 = most recently archived). */
  previousState(i: number): SessionState {
    const b = this.previous[i];
    if (b === undefined) throw new ProtocolError('InvalidArgument', 'no such previous state');
    return decodeSessionState(b);
  }

  /** Whether there is a current state that may still be used for sending at `nowMs`. */
  hasCurrentState(nowMs = Date.now()): boolean {
    const c = this.current;
    if (!c) return false;
    return !(c.pending && c.pending.createdMs + MAX_UNACKNOWLEDGED_SESSION_AGE_MS < nowMs);
  }

  /** Moves the current state to the archive (newest first, at most 40 kept). */
  archiveCurrentState(): void {
    const c = this.current;
    if (!c) return;
    c.pending = undefined;
    this.previous.unshift(encodeSessionState(c));
    if (this.previous.length > ARCHIVED_STATES_MAX_LENGTH) this.previous.length = ARCHIVED_STATES_MAX_LENGTH;
    this.current = undefined;
  }

  /** Archives the current state and makes `state` current. */
  promoteState(state: SessionState): void {
    this.archiveCurrentState();
    this.current = state;
  }

  /** Replaces archived state `i` by `updated` and makes it current (it decrypted a message). */
  promoteOldSession(i: number, updated: SessionState): void {
    this.previous.splice(i, 1);
    this.promoteState(updated);
  }

  /**
   * If a state with this Alice base key exists, makes it current and returns true: a repeated
   * PreKeySignalMessage for a session we already have (libsignal `promote_matching_session`).
   */
  promoteMatchingSession(version: number, aliceBaseKey: Uint8Array): boolean {
    const c = this.current;
    if (c && c.sessionVersion === version && constantTimeEqual(c.aliceBaseKey, aliceBaseKey)) return true;
    for (let i = 0; i < this.previous.length; i++) {
      const p = this.previousState(i);
      if (p.sessionVersion === version && constantTimeEqual(p.aliceBaseKey, aliceBaseKey)) {
        this.promoteOldSession(i, p);
        return true;
      }
    }
    return false;
  }
}
