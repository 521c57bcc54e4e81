// The authenticated WebSocket: AUTH first frame, ordered delivery to a handler, submit with request ids,
// acks, and reconnect with exponential backoff. Used through RelayClient.connect().
import { HTTP_STATUS, RelayError, WireError } from './errors.js';
import { decodeFrame, encodeFrame } from './frame-codec.js';
import type { ClientFrame, DeliverFrame, Frame, SubmitEnvelope, SubmitResult } from './frames.js';
import { WIRE_VERSION } from './limits.js';
import type { Credentials, WebSocketCtor, WebSocketLike } from './transport.js';

// ---------- the connection ----------

export interface ConnectionHandlers {
  /**
   * Called once per DELIVER, in order. If it returns a promise, the next delivery waits for it, so
   * `async (d) => { await persist(d); conn.ack(d.seq) }` keeps order. Duplicates are possible after a
   * reconnect (at-least-once): dedupe by envelopeId.
   */
  onDeliver?: (d: DeliverFrame) => void | Promise<void>;
  /** The backlog present at (re)connect has been delivered. */
  onQueueEmpty?: () => void;
  /** Authenticated (first connect and every reconnect). */
  onOpen?: (info: { serverTime: number; reconnect: boolean }) => void;
  /** About to reconnect after `delayMs`. */
  onReconnecting?: (info: { attempt: number; delayMs: number }) => void;
  /** The socket closed; `final` when no reconnect will follow. */
  onClose?: (info: { code: number; reason: string; error: RelayError | null; final: boolean }) => void;
  /** A delivery handler threw / rejected (the connection stays up; that envelope stays unacked). */
  onHandlerError?: (err: unknown) => void;
}

export interface ConnectOptions {
  /** Reconnect with exponential backoff (default true). Never after Unauthorized. */
  reconnect?: boolean;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Submit timeout (default 30 s). */
  submitTimeoutMs?: number;
  /** Injected randomness for backoff jitter. */
  random?: () => number;
}

type Pending = {
  resolve: (r: SubmitResult) => void;
  reject: (e: RelayError) => void;
  timer: ReturnType<typeof setTimeout>;
};

const OPEN = 1;

/** How long close() still waits for the results of submits already sent. */
export const CLOSE_ANSWER_GRACE_MS = 1000;

export class RelayConnection {
  private ws: WebSocketLike | null = null;
  private authed = false;
  private closedByUser = false;
  private attempt = 0;
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();
  private deliveryChain: Promise<void> = Promise.resolve();
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private everOpened = false;
  private readyResolve!: () => void;
  private readyReject!: (e: RelayError) => void;
  private waiters: { resolve: () => void; reject: (e: RelayError) => void }[] = [];
  /** Resolves on the first successful AUTH_OK; rejects if the first attempt ends in a final error. */
  readonly ready: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly Ctor: WebSocketCtor,
    private readonly creds: Credentials,
    private readonly handlers: ConnectionHandlers,
    private readonly opts: ConnectOptions,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    // Avoid an unhandled rejection when the caller never awaits `ready`.
    this.ready.catch(() => undefined);
    this.open();
  }

  /** True while authenticated. */
  get isOpen(): boolean {
    return this.authed && this.ws?.readyState === OPEN;
  }

  private open(): void {
    let ws: WebSocketLike;
    try {
      ws = new this.Ctor(this.url);
    } catch {
      this.onSocketClosed(1006, 'connect failed', null);
      return;
    }
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      this.sendFrame({
        type: 'auth',
        version: WIRE_VERSION,
        accountId: this.creds.accountId,
        deviceId: this.creds.deviceId,
        secret: this.creds.secret,
      });
    };
    let closeError: RelayError | null = null;
    ws.onmessage = (ev) => {
      const bytes = toBytes(ev.data);
      let frame: Frame;
      try {
        if (!bytes) throw new WireError('InvalidField', 'text frame');
        frame = decodeFrame(bytes);
      } catch {
        closeError = new RelayError('MalformedFrame', 'relay sent a malformed frame');
        ws.close(4400, 'MalformedFrame');
        return;
      }
      const err = this.onFrame(frame);
      if (err) closeError = err;
    };
    ws.onerror = () => undefined;
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.onSocketClosed(ev.code, ev.reason, closeError);
    };
  }

  private onFrame(frame: Frame): RelayError | null {
    switch (frame.type) {
      case 'authOk': {
        this.authed = true;
        const reconnect = this.everOpened;
        this.everOpened = true;
        this.attempt = 0;
        this.readyResolve();
        for (const w of this.waiters.splice(0)) w.resolve();
        this.handlers.onOpen?.({ serverTime: frame.serverTime, reconnect });
        return null;
      }
      case 'deliver':
        this.deliveryChain = this.deliveryChain
          .then(() => this.handlers.onDeliver?.(frame))
          .catch((e: unknown) => this.handlers.onHandlerError?.(e));
        return null;
      case 'queueEmpty':
        this.deliveryChain = this.deliveryChain.then(() => this.handlers.onQueueEmpty?.());
        return null;
      case 'submitResult': {
        const p = this.pending.get(frame.requestId);
        if (p) {
          this.pending.delete(frame.requestId);
          clearTimeout(p.timer);
          const { type: _t, requestId: _r, ...result } = frame;
          p.resolve(result);
        }
        return null;
      }
      case 'error': {
        const p = frame.requestId !== 0 ? this.pending.get(frame.requestId) : undefined;
        if (p) {
          this.pending.delete(frame.requestId);
          clearTimeout(p.timer);
          // The status tells a client whether retrying can help (5xx, 429) or not (4xx).
          p.reject(new RelayError(frame.code, `submit failed: ${frame.code}`, HTTP_STATUS[frame.code]));
          return null;
        }
        return new RelayError(frame.code, `relay error: ${frame.code}`, HTTP_STATUS[frame.code]);
      }
      case 'ping':
        this.sendFrame({ type: 'pong', nonce: frame.nonce });
        return null;
      case 'pong':
        return null;
      default:
        // A relay must never send client frames; treat as protocol violation.
        this.ws?.close(4400, 'UnexpectedFrame');
        return new RelayError('UnexpectedFrame', `relay sent ${frame.type}`);
    }
  }

  private onSocketClosed(code: number, reason: string, error: RelayError | null): void {
    this.authed = false;
    this.ws = null;
    const closedErr = new RelayError('Closed', 'connection closed');
    this.rejectPending(closedErr);
    // Never reconnect after bad credentials or when another connection of this device took over.
    const fatal =
      error?.code === 'Unauthorized' ||
      error?.code === 'UnsupportedVersion' ||
      error?.code === 'ConnectionReplaced' ||
      code === 4401 ||
      code === 4409;
    const final = this.closedByUser || fatal || this.opts.reconnect === false;
    const err = error ?? (fatal ? new RelayError('Unauthorized', 'authentication failed') : null);
    this.handlers.onClose?.({ code, reason, error: err, final });
    if (final) {
      const e = err ?? closedErr;
      this.readyReject(e);
      for (const w of this.waiters.splice(0)) w.reject(e);
      return;
    }
    this.attempt++;
    const min = this.opts.minDelayMs ?? 250;
    const max = this.opts.maxDelayMs ?? 30_000;
    const rnd = (this.opts.random ?? Math.random)();
    const delayMs = Math.min(max, min * 2 ** Math.min(this.attempt - 1, 16)) * (0.5 + rnd / 2);
    this.handlers.onReconnecting?.({ attempt: this.attempt, delayMs });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closedByUser) this.open();
    }, delayMs);
  }

  private sendFrame(f: ClientFrame): void {
    this.ws?.send(encodeFrame(f));
  }

  /** Waits until authenticated (rejects if the connection is closed for good). */
  waitOpen(): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    if (this.closedByUser) return Promise.reject(new RelayError('Closed', 'connection closed'));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Submits envelopes for every device of `recipient`. Resolves with the relay's result (whole-request
   * errors such as MismatchedDevices are results, not throws); rejects with RelayError('Closed') if the
   * socket drops first — retry with the same envelope ids, the relay absorbs duplicates.
   */
  submit(recipient: string, envelopes: SubmitEnvelope[]): Promise<SubmitResult> {
    if (!this.isOpen) return Promise.reject(new RelayError('Closed', 'not connected'));
    const requestId = this.nextRequestId;
    this.nextRequestId = this.nextRequestId >= 0xffffffff ? 1 : this.nextRequestId + 1;
    const bytes = encodeFrame({ type: 'submit', requestId, recipient, envelopes });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new RelayError('Timeout', 'submit timed out'));
      }, this.opts.submitTimeoutMs ?? 30_000);
      this.pending.set(requestId, { resolve, reject, timer });
      this.ws?.send(bytes);
    });
  }

  /** Acknowledges (deletes) delivered envelopes: every seq <= upTo, plus the listed seqs. */
  ack(upTo: number, seqs: number[] = []): void {
    if (!this.isOpen) return; // unacked envelopes are redelivered after reconnect
    this.sendFrame({ type: 'ack', upTo, seqs });
  }

  /** Sends a PING (keep-alive); the relay answers with PONG. */
  ping(nonce = 0): void {
    if (this.isOpen) this.sendFrame({ type: 'ping', nonce });
  }

  /** Closes for good (no reconnect). */
  close(): void {
    this.closedByUser = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.ws) this.ws.close(1000, 'bye');
    else this.onSocketClosedFinal();
    // A result already on its way still arrives while the socket closes; past a short grace, say
    // Closed instead of waiting for the close handshake, which a relay that stopped answering
    // delays until the socket's own timeout (30 s in ws) or, for a submit, its 30 s timeout.
    if (this.pending.size > 0) {
      const t = setTimeout(
        () => this.rejectPending(new RelayError('Closed', 'connection closed')),
        CLOSE_ANSWER_GRACE_MS,
      );
      (t as { unref?: () => void }).unref?.();
    }
  }

  /** Rejects every submit still awaiting its result (its outcome is unknown: retry with the same ids). */
  private rejectPending(err: RelayError): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(err);
      this.pending.delete(id);
    }
  }

  private onSocketClosedFinal(): void {
    const e = new RelayError('Closed', 'connection closed');
    this.readyReject(e);
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  /** Test/diagnostic hook: the raw socket (e.g. to simulate a network drop). */
  get socket(): WebSocketLike | null {
    return this.ws;
  }
}

function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data) && data.every((x) => ArrayBuffer.isView(x))) {
    // ws 'nodebuffer' fragments (only if a caller overrides binaryType)
    const parts = data;
    const n = parts.reduce((a, p) => a + p.byteLength, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) {
      out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), o);
      o += p.byteLength;
    }
    return out;
  }
  return undefined;
}
