// One WebSocket connection: AUTH first (with a timeout), then submits, ordered pushes with a bounded
// in-flight window, and acks. Every frame is decoded strictly; a bad frame gets an ERROR frame and
// never throws out of the handler, so one client cannot disturb another.
import type { WebSocket } from 'ws';
import {
  MAX_ENVELOPE_CONTENT_BYTES,
  WIRE_VERSION,
  WireError,
  decodeFrame,
  encodeFrame,
  wsCloseCodeFor,
} from '@sotto/wire';
import type { Frame, RelayErrorCode, ServerFrame, SubmitFrame } from '@sotto/wire';
import type { RelayConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { RelayMetrics } from '../metrics.js';
import { TokenBucket } from '../rate-limit.js';
import type { DeviceRef, Mailbox, QueuedEnvelope } from '../mailbox/mailbox.js';
import type { DeviceHub, Subscriber } from './device-hub.js';
import { storeUnavailableCode } from '../http/store-unavailable.js';

export interface SessionContext {
  config: RelayConfig;
  now: () => number;
  log: Logger;
  metrics: RelayMetrics;
  mailbox: Mailbox;
  hub: DeviceHub;
  /** On success, the stored secret hash the credentials were verified against. */
  authenticate(
    accountId: string,
    deviceId: number,
    secret: Uint8Array,
  ): Promise<{ secretHash: string } | 'denied' | 'busy'>;
  /** Unacked pushes allowed per connection (Signal-Server uses 100). */
  inFlightWindow: number;
  /** How long pushes may stay blocked on a full outbound buffer before the reader is cut off. */
  slowReaderMs: number;
}

/** After this many malformed/unexpected frames the connection is closed. */
const MAX_PROTOCOL_ERRORS = 16;
/** Submits awaiting their result per connection. */
const MAX_PENDING_SUBMITS = 64;
const OPEN = 1;
/** Room for one maximal DELIVER frame above the push limit (pushes stop at the limit, one frame late). */
const HARD_CAP_SLACK = 2 * (MAX_ENVELOPE_CONTENT_BYTES + 1024);

type State = 'awaitingAuth' | 'authenticating' | 'open' | 'closed';

/** The part of the TCP socket under the WebSocket that lets a burst of frames leave in one write. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

export class WsSession implements Subscriber {
  private state: State = 'awaitingAuth';
  private device: DeviceRef | null = null;
  /** Subscriber.credential: the stored hash this login was verified against ('' before AUTH). */
  credential = '';
  private protocolErrors = 0;
  private pendingSubmits = 0;
  private lastPushedSeq = 0;
  private readonly inFlight = new Set<number>();
  private pumping = false;
  private dirty = false;
  /**
   * True unless the last read of the store found nothing beyond lastPushedSeq and every commit since
   * was pushed directly: while false, a wake carrying the next envelope needs no store read, and an
   * ack needs no read either.
   */
  private backlog = true;
  private corked = false;
  private drained = false;
  private lastSeen: number;
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private readonly bucket: TokenBucket;
  private rateStrikes = 0;
  /** Set while pushes wait for the outbound buffer to drain. */
  private drainTimer: ReturnType<typeof setInterval> | null = null;
  /** Called once when AUTH succeeds (the server's count of unauthenticated sockets per IP). */
  onAuthenticated: (() => void) | null = null;
  /** Told of every completed frame and of the end (the server's budget of frames in progress). */
  frameMeter: { complete(): void } | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly ctx: SessionContext,
    private readonly onEnd: (s: WsSession) => void,
    private readonly socket?: Corkable,
  ) {
    const rate = ctx.config.submitsPerConnectionPerSecond;
    this.bucket = new TokenBucket(rate, rate / 1000, ctx.now);
    this.lastSeen = Date.now();
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) =>
      this.onMessage(data, isBinary),
    );
    ws.on('close', () => {
      this.frameMeter?.complete(); // the socket is gone: nothing more is read for it
      this.onClosed();
    });
    ws.on('error', () => undefined); // 'close' follows; ws already closed the socket with 1009 etc.
    ws.on('pong', () => {
      this.lastSeen = Date.now();
      this.frameMeter?.complete();
    });
    ws.on('ping', () => this.frameMeter?.complete());
    // Real timers (not the injected clock): these guard sockets, not message lifetimes.
    this.timers.push(
      setTimeout(() => {
        if (this.state === 'awaitingAuth' || this.state === 'authenticating') this.fail('AuthTimeout');
      }, ctx.config.authTimeoutSeconds * 1000),
    );
    const idleMs = ctx.config.idleTimeoutSeconds * 1000;
    const keepAlive = setInterval(() => {
      if (Date.now() - this.lastSeen > idleMs) this.ws.terminate();
      else if (this.ws.readyState === OPEN) this.ws.ping();
    }, idleMs / 3);
    keepAlive.unref();
    this.timers.push(keepAlive);
  }

  // ---------- inbound ----------

  private onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    this.frameMeter?.complete();
    if (this.state === 'closed') return;
    this.lastSeen = Date.now();
    if (!isBinary) return this.protocolError('MalformedFrame');
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : data;
    let frame: Frame;
    try {
      // Views, not copies: the fields are stored or re-encoded at once and the frame bytes are never reused.
      frame = decodeFrame(bytes, this.ctx.config.maxFrameBytes, { views: true });
    } catch (err) {
      return this.protocolError(WireError.is(err, 'FrameTooLarge') ? 'FrameTooLarge' : 'MalformedFrame');
    }
    if (this.state !== 'open') {
      if (this.state === 'awaitingAuth' && frame.type === 'auth') return this.guard(this.onAuth(frame));
      return this.fail('AuthRequired');
    }
    if (!this.bucket.take()) {
      this.ctx.metrics.framesRejected.inc({ code: 'RateLimited' });
      if (frame.type === 'submit')
        this.send({ type: 'error', requestId: frame.requestId, code: 'RateLimited' });
      // A client that keeps flooding after being told is cut off.
      if (++this.rateStrikes > 10 * this.ctx.config.submitsPerConnectionPerSecond) this.fail('RateLimited');
      return;
    }
    switch (frame.type) {
      case 'submit':
        return this.guard(this.onSubmit(frame), frame.requestId);
      case 'ack':
        return this.guard(this.onAck(frame.upTo, frame.seqs));
      case 'ping':
        return this.send({ type: 'pong', nonce: frame.nonce });
      case 'pong':
        return;
      default:
        return this.protocolError('UnexpectedFrame');
    }
  }

  /** `requestId`: the submit this work answers, if any (0: the connection as a whole). */
  private guard(p: Promise<void>, requestId = 0): void {
    p.catch((err: unknown) => this.handlerFailed(err, requestId));
  }

  /**
   * A database that cannot serve now (docs/errors.md, Unavailable) is not a bug: the client is told
   * to retry later. A failed submit stored nothing (its transaction rolled back), so it is answered
   * on its own request and the connection stays; anything else closes with Unavailable, and the
   * client's reconnect drains again. Any other failure is a bug: Internal, and the connection closes.
   */
  private handlerFailed(err: unknown, requestId: number): void {
    const code = storeUnavailableCode(err);
    if (code === undefined) {
      this.ctx.log.error('ws_handler_failed');
      return this.fail('Internal');
    }
    this.ctx.log.warn('store_unavailable', { route: 'ws', code });
    this.ctx.metrics.framesRejected.inc({ code: 'Unavailable' });
    if (requestId !== 0 && this.state === 'open')
      return this.send({ type: 'error', requestId, code: 'Unavailable' });
    this.fail('Unavailable');
  }

  private async onAuth(f: Extract<Frame, { type: 'auth' }>): Promise<void> {
    if (f.version !== WIRE_VERSION) return this.fail('UnsupportedVersion');
    this.state = 'authenticating';
    const outcome = await this.ctx.authenticate(f.accountId, f.deviceId, f.secret);
    f.secret.fill(0);
    if (this.state !== 'authenticating') return; // closed meanwhile
    if (outcome === 'busy') return this.fail('RateLimited');
    if (outcome === 'denied') {
      this.ctx.metrics.authFailures.inc();
      return this.fail('Unauthorized');
    }
    this.credential = outcome.secretHash;
    this.state = 'open';
    this.onAuthenticated?.();
    this.device = { accountId: f.accountId, deviceId: f.deviceId };
    this.ctx.metrics.wsAuthenticated.inc();
    this.send({ type: 'authOk', serverTime: this.ctx.now() });
    // Acks from an earlier connection may still wait for their group commit: apply them first, so
    // the drain does not send again what the device already acknowledged.
    await this.ctx.mailbox.flushAcks();
    if (this.state !== 'open') return;
    // Subscribe first, then drain: an envelope committed between the two is seen by the drain.
    this.ctx.hub.subscribe(this.device, this);
    // A removal committed while this login was under way found no subscriber to cut off: ask again,
    // now that a later removal will find this session (the hub cuts it off if so).
    await this.ctx.hub.recheck(this.device);
    if (this.state !== 'open') return;
    await this.pump();
  }

  private async onSubmit(f: SubmitFrame): Promise<void> {
    if (this.pendingSubmits >= MAX_PENDING_SUBMITS) {
      this.send({ type: 'error', requestId: f.requestId, code: 'RateLimited' });
      return;
    }
    this.pendingSubmits++;
    try {
      const result = await this.ctx.mailbox.submit(this.device!, f.recipient, f.envelopes);
      this.send({ type: 'submitResult', requestId: f.requestId, ...result });
    } finally {
      this.pendingSubmits--;
    }
  }

  /**
   * Applies only what this connection pushed and is still waiting for: `upTo` up to the highest seq
   * pushed here, listed seqs only if in flight. Anything else (seqs never pushed, already acked, or
   * pushed on an earlier connection and not yet again on this one) is dropped: it is delivered again
   * here, and acked then. So each store delete answers one push, whatever the ACK frames list: a
   * frame of 1024 made-up seqs for one rate-limit token costs a Set lookup each, not a DELETE each
   * on the event loop (the group commit is synchronous on SQLite).
   */
  private async onAck(upTo: number, seqs: number[]): Promise<void> {
    const cut = Math.min(upTo, this.lastPushedSeq);
    let cumulative = false;
    for (const s of this.inFlight) {
      if (s <= cut) {
        this.inFlight.delete(s);
        cumulative = true;
      }
    }
    const listed: number[] = [];
    for (const s of seqs) if (s > cut && this.inFlight.delete(s)) listed.push(s);
    if (cumulative || listed.length > 0) {
      // The window reopens now; the delete is group-committed a little later (ack-batcher.ts). Its
      // failure is handled here and now, not after the pump below: the pump may throw first, or wait
      // on I/O while the batch fails, and a rejection nobody handles yet ends the process.
      this.guard(this.ctx.mailbox.ack(this.device!, cumulative ? cut : 0, listed));
    }
    if (this.backlog) await this.pump();
  }

  // ---------- outbound ----------

  /** Hub: new envelopes committed for this device (`committed`: one of them, just stored here). */
  wake(committed?: QueuedEnvelope): void {
    if (committed !== undefined && this.pushCommitted(committed)) return;
    this.backlog = true;
    this.guard(this.pump());
  }

  /**
   * Pushes an envelope this process just committed without reading it back, when that cannot change
   * what the device sees: the session is caught up (nothing older is waiting in the store), no read is
   * running, and it is the very next seq. Anything else falls back to the store (returns false).
   */
  private pushCommitted(e: QueuedEnvelope): boolean {
    if (this.state !== 'open' || this.pumping || this.backlog) return false;
    if (e.seq <= this.lastPushedSeq) return true; // a store read already pushed it
    if (e.seq !== this.lastPushedSeq + 1) return false;
    if (this.inFlight.size >= this.ctx.inFlightWindow || this.outboundFull()) return false;
    this.send({ type: 'deliver', ...e });
    this.inFlight.add(e.seq);
    this.lastPushedSeq = e.seq;
    this.ctx.metrics.envelopesDelivered.inc(1);
    return true;
  }

  /** Hub: the same device connected again elsewhere. */
  replaced(): void {
    this.fail('ConnectionReplaced');
  }

  /** Hub: the device was removed. */
  revoked(): void {
    this.fail('Unauthorized');
  }

  /** Pushes stored envelopes in seq order while the in-flight window has room. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.dirty = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.dirty = false;
        while (this.state === 'open') {
          const room = this.ctx.inFlightWindow - this.inFlight.size;
          if (room <= 0) break;
          if (this.outboundFull()) {
            this.waitForDrain();
            break;
          }
          const batch = await this.ctx.mailbox.fetch(this.device!, this.lastPushedSeq, room);
          let sent = 0;
          for (const e of batch) {
            if (this.state !== 'open') return;
            if (this.outboundFull()) break; // the rest is fetched again after the drain
            this.send({ type: 'deliver', ...e });
            this.inFlight.add(e.seq);
            this.lastPushedSeq = Math.max(this.lastPushedSeq, e.seq);
            sent++;
          }
          this.ctx.metrics.envelopesDelivered.inc(sent);
          if (sent < batch.length) {
            this.waitForDrain();
            break;
          }
          if (batch.length < room) {
            // Everything committed before this read is pushed; later commits arrive as wakes (and a
            // wake during this read set `dirty`, so the loop reads again).
            if (!this.dirty) this.backlog = false;
            if (!this.drained && this.state === 'open') {
              this.drained = true;
              this.send({ type: 'queueEmpty' });
            }
            break;
          }
        }
      } while (this.dirty && this.state === 'open');
    } finally {
      this.pumping = false;
    }
  }

  private outboundFull(): boolean {
    return this.ws.bufferedAmount > this.ctx.config.maxBufferedBytesPerConnection;
  }

  /**
   * Backpressure: pushes pause while the outbound buffer is over the limit; a reader that does not
   * drain it within slowReaderMs is disconnected (its envelopes stay queued for the next connection).
   */
  private waitForDrain(): void {
    if (this.drainTimer) return;
    const since = Date.now();
    this.drainTimer = setInterval(() => {
      if (this.state !== 'open') return this.stopDrainWait();
      if (this.ws.bufferedAmount <= this.ctx.config.maxBufferedBytesPerConnection / 2) {
        this.stopDrainWait();
        this.guard(this.pump());
      } else if (Date.now() - since > this.ctx.slowReaderMs) {
        this.stopDrainWait();
        this.fail('SlowConsumer');
      }
    }, 20);
  }

  private stopDrainWait(): void {
    if (this.drainTimer) clearInterval(this.drainTimer);
    this.drainTimer = null;
  }

  private send(f: ServerFrame): void {
    if (this.ws.readyState !== OPEN) return;
    // Frames sent in one turn (a batch's results, its pushes) leave in one write, not one each.
    if (this.socket && !this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket?.uncork();
      });
    }
    this.ws.send(encodeFrame(f));
    // Answers (not pushes) can still pile up behind a client that submits without reading: hard cap.
    if (this.ws.bufferedAmount > 2 * this.ctx.config.maxBufferedBytesPerConnection + HARD_CAP_SLACK) {
      this.fail('SlowConsumer');
    }
  }

  // ---------- errors and teardown ----------

  private protocolError(code: RelayErrorCode): void {
    this.ctx.metrics.framesRejected.inc({ code });
    if (this.state !== 'open') return this.fail(code);
    this.send({ type: 'error', requestId: 0, code });
    if (++this.protocolErrors >= MAX_PROTOCOL_ERRORS) this.fail(code);
  }

  /** Sends ERROR(code) and closes with 4000 + HTTP status. */
  fail(code: RelayErrorCode): void {
    if (this.state === 'closed') return;
    if (this.ws.readyState === OPEN) {
      try {
        this.ws.send(encodeFrame({ type: 'error', requestId: 0, code }));
      } catch {
        // socket already failing; close below
      }
      this.ws.close(wsCloseCodeFor(code), code);
      // A peer that ignores the close handshake is cut after a grace period.
      const t = setTimeout(() => this.ws.terminate(), 5000);
      t.unref();
    }
    this.onClosed();
  }

  /** Graceful shutdown: tell the client, close with 1001. */
  shutdown(): void {
    if (this.state === 'closed') return;
    if (this.ws.readyState === OPEN) {
      this.ws.send(encodeFrame({ type: 'error', requestId: 0, code: 'ShuttingDown' }));
      this.ws.close(1001, 'ShuttingDown');
    }
    this.onClosed();
  }

  private onClosed(): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    for (const t of this.timers) clearTimeout(t);
    this.stopDrainWait();
    if (wasOpen && this.device) {
      this.ctx.hub.unsubscribe(this.device, this);
      this.ctx.metrics.wsAuthenticated.dec();
    }
    this.onEnd(this);
  }

  /** For shutdown: resolves when no submit of this session is still being written. */
  get busy(): boolean {
    return this.pendingSubmits > 0;
  }
}
