// A lean WebSocket client speaking the relay frame protocol, used for both the relay and the bare
// forwarder so the two are driven by identical client code (the ratio then measures the server).
import WebSocket from 'ws';
import { decodeFrame, encodeFrame, FRAME_TYPE, WIRE_VERSION } from '@sotto/wire';
import type { DeliverFrame, SubmitEnvelope, SubmitResult } from '@sotto/wire';

export interface DeviceCreds {
  accountId: string;
  deviceId: number;
  secret: Uint8Array;
}

export interface SubmitTemplate {
  readonly bytes: Uint8Array;
  readonly envelopeIdOffset: number;
}

/** Encodes one single-envelope SUBMIT and finds where its envelope id sits, for submitFast(). */
export function submitTemplate(
  recipient: string,
  envelope: Omit<SubmitEnvelope, 'envelopeId'>,
): SubmitTemplate {
  const marker = new Uint8Array(16).map((_, i) => 0xa0 + i);
  const bytes = encodeFrame({
    type: 'submit',
    requestId: 1,
    recipient,
    envelopes: [{ ...envelope, envelopeId: marker }],
  });
  const at = Buffer.from(bytes).indexOf(Buffer.from(marker));
  if (at < 0) throw new Error('envelope id not found in SUBMIT template');
  return { bytes, envelopeIdOffset: at };
}

export class BenchSocket {
  private ws!: WebSocket;
  private nextId = 1;
  private readonly pending = new Map<number, (r: SubmitResult | Error) => void>();
  private ackUpTo = 0;
  private ackScheduled = false;
  onDeliver: (d: DeliverFrame) => void = () => {};
  /** Acknowledge each delivery (batched per event-loop turn, cumulative). */
  autoAck = true;

  constructor(readonly creds: DeviceCreds) {}

  connect(wsUrl: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
      this.ws = ws;
      ws.binaryType = 'nodebuffer';
      let authed = false;
      ws.on('open', () => {
        ws.send(
          encodeFrame({
            type: 'auth',
            version: WIRE_VERSION,
            accountId: this.creds.accountId,
            deviceId: this.creds.deviceId,
            secret: this.creds.secret,
          }),
        );
      });
      ws.on('message', (data: Buffer) => {
        if (this.fastPath(data)) return;
        const frame = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        switch (frame.type) {
          case 'authOk':
            authed = true;
            resolve();
            return;
          case 'deliver':
            this.onDeliver(frame);
            if (this.autoAck) this.scheduleAck(frame.seq);
            return;
          case 'submitResult': {
            const p = this.pending.get(frame.requestId);
            this.pending.delete(frame.requestId);
            p?.(frame);
            return;
          }
          case 'error': {
            const p = this.pending.get(frame.requestId);
            this.pending.delete(frame.requestId);
            p?.(new Error(frame.code));
            if (!authed) reject(new Error(`auth failed: ${frame.code}`));
            return;
          }
          case 'ping':
            ws.send(encodeFrame({ type: 'pong', nonce: frame.nonce }));
            return;
          default:
            return;
        }
      });
      ws.on('error', (err) => {
        if (!authed) reject(err);
      });
      ws.on('close', () => {
        for (const p of this.pending.values()) p(new Error('Closed'));
        this.pending.clear();
        if (!authed) reject(new Error('closed before auth'));
      });
    });
  }

  submit(recipient: string, envelope: SubmitEnvelope): Promise<SubmitResult | Error> {
    const requestId = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(requestId, resolve);
      this.ws.send(encodeFrame({ type: 'submit', requestId, recipient, envelopes: [envelope] }));
    });
  }

  /**
   * The load generator's hot path, kept light so the server (not this process) is the bottleneck:
   * a SUBMIT is a pre-encoded template with the request id and envelope id patched in (same bytes
   * encodeFrame would produce), and DELIVER / successful SUBMIT_RESULT are read at fixed offsets.
   */
  submitFast(
    template: SubmitTemplate,
    counter: number,
    nonce: Uint8Array,
    tag: number,
    done: (r: 'Accepted' | Error) => void,
  ): void {
    const requestId = this.nextId++;
    const bytes = Buffer.from(template.bytes);
    bytes.writeUInt32BE(requestId, 1);
    const at = template.envelopeIdOffset;
    bytes.writeUInt32BE(counter >>> 0, at);
    bytes.set(nonce.subarray(0, 8), at + 4);
    bytes.writeUInt32BE(tag >>> 0, at + 12);
    // Accepted arrives on the fast path; anything else through the decoded frame.
    this.fastPending.set(requestId, done);
    this.pending.set(requestId, (r) => {
      this.fastPending.delete(requestId);
      done(r instanceof Error ? r : new Error(r.error ?? 'Rejected'));
    });
    this.ws.send(bytes);
  }

  private readonly fastPending = new Map<number, (r: 'Accepted') => void>();
  private static readonly ACCEPTED = Buffer.from('Accepted');

  private fastPath(data: Buffer): boolean {
    const type = data[0];
    if (type === FRAME_TYPE.deliver && this.fastDeliver !== null) {
      const seq = Number(data.readBigUInt64BE(1));
      this.fastDeliver(seq, data.subarray(9, 25));
      if (this.autoAck) this.scheduleAck(seq);
      return true;
    }
    if (type === FRAME_TYPE.submitResult && data[5] === 0 && data.subarray(-8).equals(BenchSocket.ACCEPTED)) {
      const requestId = data.readUInt32BE(1);
      const done = this.fastPending.get(requestId);
      if (done === undefined) return false;
      this.fastPending.delete(requestId);
      this.pending.delete(requestId);
      done('Accepted');
      return true;
    }
    return false;
  }

  /** When set, deliveries skip the full decode: (seq, envelopeId view). */
  fastDeliver: ((seq: number, envelopeId: Uint8Array) => void) | null = null;

  private scheduleAck(seq: number): void {
    if (seq > this.ackUpTo) this.ackUpTo = seq;
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    setImmediate(() => {
      this.ackScheduled = false;
      if (this.ws.readyState === WebSocket.OPEN) {
        this.ws.send(encodeFrame({ type: 'ack', upTo: this.ackUpTo, seqs: [] }));
      }
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close(1000, 'bye');
    });
  }

  terminate(): void {
    this.ws.terminate();
  }
}
