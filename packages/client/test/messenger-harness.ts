// Test harness: a REAL relay on 127.0.0.1:0 (SQLite in a temp dir, cheap scrypt for device secrets)
// and Messengers on in-memory or temp-file storage. Only loopback traffic.
import { after, afterEach, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { WebSocketCtor } from '@sotto/wire';
import { startHostileRelay, type HostileRelay } from '@sotto/testkit/hostile-relay';
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

/** A relay on a fresh temp data directory, which close() removes again. */
export async function startTestRelay(): Promise<TestRelay> {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-relay-'));
  const config = relayConfigSchema.parse({
    host: '127.0.0.1',
    port: 0,
    dataDir: dir,
    logLevel: 'silent',
    registrationsPerMinute: 1_000_000, // a suite registers many accounts in seconds
    registrationsPerAddressPerMinute: 1_000_000, // all of them from 127.0.0.1
  });
  const relay = await startRelay(config, {
    log: silentLogger,
    secretHasher: createScryptHasher({ N: 1024, r: 8, p: 1 }),
  });
  return {
    relay,
    url: relay.url,
    dir,
    close: async () => {
      await closeTracked();
      await relay.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function closeTracked(): Promise<void> {
  await Promise.allSettled([...live].map((m) => m.close()));
  live.clear();
}

export interface HostileTestRelay extends TestRelay {
  /** The intercepting proxy clients talk to (`url` is its address); rules are set per test. */
  hostile: HostileRelay;
  /** Clears every rule (call between tests sharing one proxy). */
  honest(): void;
}

/**
 * A real relay behind @sotto/testkit's hostile proxy: every client made with `url` talks to the
 * relay only through the proxy, which a test turns hostile with rules (issue 7).
 */
export async function startHostileTestRelay(): Promise<HostileTestRelay> {
  const real = await startTestRelay();
  const hostile = await startHostileRelay(real.url);
  return {
    ...real,
    url: hostile.url,
    hostile,
    honest: () => {
      hostile.toClient(null);
      hostile.toRelay(null);
      hostile.bundles(null);
    },
    close: async () => {
      await closeTracked();
      await hostile.close();
      await real.close();
    },
  };
}

/**
 * One relay for every test in the calling file: started before the first test, closed (with every
 * messenger a failing test left open) after the last. The object is filled in by the `before` hook,
 * so tests read it only while they run.
 */
export function suiteRelay(): TestRelay {
  const suite = {} as TestRelay;
  before(async () => {
    Object.assign(suite, await startTestRelay());
  });
  after(async () => {
    await suite.close();
  });
  return suite;
}

/** As suiteRelay, behind the hostile proxy; every test starts honest (rules are set per test). */
export function suiteHostileRelay(): HostileTestRelay {
  const suite = {} as HostileTestRelay;
  before(async () => {
    Object.assign(suite, await startHostileTestRelay());
  });
  afterEach(() => suite.honest());
  after(async () => {
    await suite.close();
  });
  return suite;
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

export type TestUser = Awaited<ReturnType<typeof newUser>>;

export interface ContactsPairOptions {
  /** Extra options for one side's messenger (a fetch, a clock, hooks). */
  alice?: Partial<MessengerOptions>;
  bob?: Partial<MessengerOptions>;
  /** false: both stay offline, so the test sets its rules and listeners and says who connects when. */
  connect?: boolean;
}

/**
 * Alice and bob, each in the other's contacts by address (so verified, with no session yet), both
 * connected unless `connect: false`. Both are tracked like every newUser: a test closes them when it
 * is done, and the suite's relay closes whatever a failing test left open.
 */
export async function contactsPair(
  relayUrl: string,
  opts: ContactsPairOptions = {},
): Promise<{ alice: TestUser; bob: TestUser }> {
  const alice = await newUser(relayUrl, undefined, opts.alice);
  const bob = await newUser(relayUrl, undefined, opts.bob);
  await alice.m.addContact('bob', bob.m.address);
  await bob.m.addContact('alice', alice.m.address);
  if (opts.connect ?? true) {
    await alice.m.connect();
    await bob.m.connect();
  }
  return { alice, bob };
}

/** Counts records the messenger reads from `kv`: one per get, one per entry a listing returns. */
export function countReads(kv: MemoryKv): { reads: number } {
  const counter = { reads: 0 };
  const get = kv.get.bind(kv);
  const list = kv.list.bind(kv);
  kv.get = (key) => {
    counter.reads++;
    return get(key);
  };
  kv.list = async (prefix) => {
    const rows = await list(prefix);
    counter.reads += rows.length;
    return rows;
  };
  return counter;
}
