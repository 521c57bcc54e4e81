// Drives sender→receiver pairs through a server (relay or bare forwarder) and measures end-to-end
// delivery: a message counts when the receiver has it (and acks it); latency is submit → deliver.
import { randomFillSync } from 'node:crypto';
import { submitTemplate } from './bench-client.js';
import type { BenchSocket, SubmitTemplate } from './bench-client.js';

export interface Pair {
  readonly sender: BenchSocket;
  readonly receiver: BenchSocket;
  readonly recipientAccountId: string;
  readonly recipientRegistrationId: number;
}

export interface PhaseResult {
  /** Deliveries inside the measurement window, per second. */
  readonly rate: number;
  readonly delivered: number;
  /** Every delivery of the phase, warm-up and drain included (for CPU per message). */
  readonly total: number;
  readonly latenciesMs: number[];
  /** Submits answered with anything but Accepted (should be 0). */
  readonly errors: number;
}

const RING = 1 << 21;

/** One driver per server; pairs are connected and authenticated already. */
export class LoadDriver {
  private readonly sentAt = new Float64Array(RING);
  private readonly inFlight: number[];
  private counter = 1;
  private readonly nonce = randomFillSync(new Uint8Array(8));
  private readonly content: Uint8Array;
  private onDelivered: (pair: number, latencyMs: number, sentAt: number) => void = () => {};
  private errors = 0;
  private readonly templates: SubmitTemplate[];

  constructor(
    private readonly pairs: readonly Pair[],
    contentBytes: number,
  ) {
    this.inFlight = pairs.map(() => 0);
    this.results = pairs.map((_, i) => (r) => {
      if (r !== 'Accepted') {
        this.errors += 1;
        this.inFlight[i]! -= 1;
      }
    });
    this.content = randomFillSync(new Uint8Array(contentBytes));
    this.templates = pairs.map((p) =>
      submitTemplate(p.recipientAccountId, {
        deviceId: 1,
        registrationId: p.recipientRegistrationId,
        envelopeType: 1,
        content: this.content,
      }),
    );
    pairs.forEach((pair, i) => {
      pair.receiver.fastDeliver = (_seq, envelopeId) => {
        const n =
          ((envelopeId[0]! << 24) >>> 0) | (envelopeId[1]! << 16) | (envelopeId[2]! << 8) | envelopeId[3]!;
        const t0 = this.sentAt[n % RING]!;
        const now = performance.now();
        this.inFlight[i]! -= 1;
        this.onDelivered(i, now - t0, t0);
      };
    });
  }

  private send(i: number): void {
    const pair = this.pairs[i]!;
    const n = this.counter++;
    // Envelope id: counter (4 bytes, read back on delivery) || this driver's random nonce (8) || pair
    // (4). Unique without a random draw per message (randomFillSync costs ~6 µs a call here, 10 % of
    // the load generator's CPU per message at half load, which the measured latency would include).
    this.sentAt[n % RING] = performance.now();
    this.inFlight[i]! += 1;
    pair.sender.submitFast(this.templates[i]!, n, this.nonce, i, this.results[i]!);
  }

  /** Per pair: what a SUBMIT_RESULT other than Accepted does (nothing will be delivered for it). */
  private readonly results: ((r: 'Accepted' | Error) => void)[];

  /** Each pair keeps `window` messages in flight (a slot frees on delivery): peak throughput. */
  async closedLoop(window: number, warmupMs: number, measureMs: number): Promise<PhaseResult> {
    let running = true;
    const t0 = performance.now();
    const from = t0 + warmupMs;
    const to = from + measureMs;
    let delivered = 0;
    const latencies: number[] = [];
    const errorsBefore = this.errors;
    let total = 0;
    this.onDelivered = (i, latency, sentAt) => {
      total += 1;
      const now = performance.now();
      if (now >= from && now < to) {
        delivered += 1;
        if (sentAt >= from) latencies.push(latency);
      }
      if (running) while (this.inFlight[i]! < window) this.send(i);
    };
    for (let i = 0; i < this.pairs.length; i++) while (this.inFlight[i]! < window) this.send(i);
    await sleep(warmupMs + measureMs);
    running = false;
    await this.drain();
    return {
      rate: delivered / (measureMs / 1000),
      delivered,
      total,
      latenciesMs: latencies,
      errors: this.errors - errorsBefore,
    };
  }

  /** Sends at a fixed total rate (round-robin over pairs), at most `maxInFlight` per pair. */
  async openLoop(
    ratePerSec: number,
    warmupMs: number,
    measureMs: number,
    maxInFlight: number,
  ): Promise<PhaseResult> {
    const t0 = performance.now();
    const from = t0 + warmupMs;
    const to = from + measureMs;
    let delivered = 0;
    const latencies: number[] = [];
    const errorsBefore = this.errors;
    let total = 0;
    this.onDelivered = (_i, latency, sentAt) => {
      total += 1;
      const now = performance.now();
      if (now >= from && now < to) delivered += 1;
      if (sentAt >= from && sentAt < to) latencies.push(latency);
    };
    let sent = 0;
    let next = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        if (now >= to) {
          clearInterval(timer);
          resolve();
          return;
        }
        const due = Math.floor(((now - t0) / 1000) * ratePerSec) - sent;
        for (let k = 0; k < due; k++) {
          // Skip pairs at their cap (the sender would wait); the shortfall shows in `rate`.
          for (let tries = 0; tries < this.pairs.length; tries++) {
            const i = next;
            next = (next + 1) % this.pairs.length;
            if (this.inFlight[i]! < maxInFlight) {
              this.send(i);
              break;
            }
          }
          sent += 1;
        }
      }, 1);
    });
    await this.drain();
    return {
      rate: delivered / (measureMs / 1000),
      delivered,
      total,
      latenciesMs: latencies,
      errors: this.errors - errorsBefore,
    };
  }

  /** Waits until every message sent has been delivered (bounded). */
  async drain(timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.inFlight.some((n) => n > 0) && performance.now() < deadline) await sleep(5);
    this.onDelivered = () => {};
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
