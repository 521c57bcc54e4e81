// Test harness: a REAL relay on 127.0.0.1:0 (SQLite in a temp dir, cheap scrypt for device secrets)
// and Messengers on in-memory or temp-file storage. Only loopback traffic.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { decodeFrame, encodeFrame, type Frame, type WebSocketCtor } from '@sotto/wire';
import {
  createScryptHasher,
  relayConfigSchema,
  silentLogger,
  startRelay,
  type RunningRelay,
} from '@sotto/relay';
import { Messenger, type MessengerOptions } from '../src/messenger/messenger.js';
import { MemoryKv } from '../src/messenger/kv.js';
import type { MessengerEvents } from '../src/messenger/events.js';

export const WS = WebSocket as unknown as WebSocketCtor;

/** Small prekey batches keep account creation fast; the refill logic is the same. */
export const TEST_POLICY = { preKeyBatch: 10, preKeyMinimum: 3, kyberBatch: 2, kyberMinimum: 1 };
export const FAST_BACKOFF = { baseMs: 20, maxMs: 200 };

/** Every messenger a test made, so a failing test cannot leave sockets open (and hang the run). */
const live = new Set<Messenger>();

/** Registers a messenger for clean-up by the relay's close(); returns it. */
export function tracked<T extends Messenger>(m: T): T {
  live.add(m);
  return m;
}

export interface TestRelay {
  relay: RunningRelay;
  url: string;
  dir: string;
  close(): Promise<void>;
}

export async function startTestRelay(dir = mkdtempSync(join(tmpdir(), 'sotto-relay-'))): Promise<TestRelay> {
  const config = relayConfigSchema.parse({ host: '127.0.0.1', port: 0, dataDir: dir, logLevel: 'silent' });
  const relay = await startRelay(config, {
    log: silentLogger,
    secretHasher: createScryptHasher({ N: 1024, r: 8, p: 1 }),
  });
  return {
    relay,
    url: relay.url,
    dir,
    close: async () => {
      await Promise.allSettled([...live].map((m) => m.close()));
      live.clear();
      await relay.close();
    },
  };
}

export function tempDir(prefix = 'sotto-client-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function baseOptions(store: MemoryKv, extra: Partial<MessengerOptions> = {}): MessengerOptions {
  return {
    store,
    WebSocket: WS,
    prekeyPolicy: TEST_POLICY,
    backoff: FAST_BACKOFF,
    ...extra,
  };
}

/** Wait until `predicate` holds for an event, or fail after `ms`. */
export function nextEvent<K extends keyof MessengerEvents>(
  m: Messenger,
  event: K,
  predicate: (p: MessengerEvents[K]) => boolean = () => true,
  ms = 10_000,
): Promise<MessengerEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${String(event)}`));
    }, ms);
    const off = m.on(event, (p) => {
      if (!predicate(p)) return;
      clearTimeout(timer);
      off();
      resolve(p);
    });
  });
}

/** Polls `check` until it returns true (state that is not announced by an event). */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not reached in time');
}

export async function newUser(relayUrl: string, username?: string, extra: Partial<MessengerOptions> = {}) {
  const store = new MemoryKv();
  const m = tracked(
    await Messenger.create({
      ...baseOptions(store, extra),
      relayUrl,
      ...(username ? { username } : {}),
    }),
  );
  return { m, store };
}

/**
 * A WebSocket constructor whose incoming frames pass through `transform` first (a hostile or
 * flaky relay in the middle): return [] to drop, [f, f] to duplicate, a changed frame to tamper.
 */
export function interceptingWebSocket(transform: (frame: Frame) => Frame[]): WebSocketCtor {
  const Real = WebSocket;
  return class Intercepting {
    private readonly inner: WebSocket;
    constructor(url: string) {
      this.inner = new Real(url);
    }
    get binaryType(): string {
      return this.inner.binaryType;
    }
    set binaryType(v: string) {
      this.inner.binaryType = v as 'arraybuffer';
    }
    get readyState(): number {
      return this.inner.readyState;
    }
    get bufferedAmount(): number {
      return this.inner.bufferedAmount;
    }
    set onopen(f: ((ev: unknown) => void) | null) {
      this.inner.onopen = f;
    }
    set onclose(f: ((ev: { code: number; reason: string }) => void) | null) {
      this.inner.onclose = f;
    }
    set onerror(f: ((ev: unknown) => void) | null) {
      this.inner.onerror = f;
    }
    set onmessage(f: ((ev: { data: unknown }) => void) | null) {
      this.inner.onmessage = f
        ? (ev) => {
            const bytes = new Uint8Array(ev.data as ArrayBuffer);
            for (const out of transform(decodeFrame(bytes))) f({ data: encodeFrame(out) });
          }
        : null;
    }
    send(data: Uint8Array): void {
      this.inner.send(data);
    }
    close(code?: number, reason?: string): void {
      this.inner.close(code, reason);
    }
  };
}
