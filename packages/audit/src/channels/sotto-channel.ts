// Sotto itself as an audit channel (issue 5, `audit self`): two THROWAWAY accounts on a relay, the
// sender A sends through the normal client send path (Messenger.send → outbox → relay), the recipient
// B connects, receives, decrypts, stores and reads (Messenger.history, markRead) exactly as a user's
// client does. Without a relay URL it starts a throwaway relay on 127.0.0.1:0 whose data directory
// (database and a log file) is then known, so the server view can scan it.
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Messenger } from '@sotto/client';
import type { KdfCost, MessengerOptions } from '@sotto/client';
import { SqliteBackend } from '@sotto/client/node';
import { createLogger, createScryptHasher, relayConfigSchema, startRelay } from '@sotto/relay';
import type { RunningRelay } from '@sotto/relay';
import type { Channel, ChannelRole } from '../channel.js';
import { AuditError } from '../errors.js';

/**
 * Throwaway accounts live for one run in a temp home and are deleted afterwards, so their local
 * stores use a cheap scrypt cost (2^10) instead of the 2^16 a real home uses: the passphrase is random
 * and never typed, and nothing the KDF protects outlives the run.
 */
export const THROWAWAY_KDF_COST: KdfCost = { alg: 'scrypt', log2N: 10, r: 8, p: 1 };
/** Small prekey batches: two accounts exchanging a handful of messages need few keys. */
const THROWAWAY_PREKEYS = { preKeyBatch: 10, preKeyMinimum: 3, kyberBatch: 2, kyberMinimum: 1 };
/** Relay log file inside the throwaway relay's data dir, so the server view scans the logs too. */
export const RELAY_LOG_FILE = 'relay.log';

export interface SottoChannelOptions {
  /** An existing relay. Omitted: a throwaway relay on 127.0.0.1:0 with a temp data dir. */
  readonly relayUrl?: string;
  readonly name?: string;
  readonly role?: ChannelRole;
  /**
   * Called with every text the recipient's client decrypted (the `message` event). Only the
   * scanning-client positive control sets this; Sotto's own channel never does.
   */
  readonly onDecrypted?: (text: string) => void;
  /** Called with the relay URL once it is known, before any account connects (egress allow-list). */
  readonly onRelay?: (url: string) => void;
  /** How long deliverAndRead waits for every sent text to be in the recipient's history. */
  readonly readTimeoutMs?: number;
}

interface Account {
  readonly messenger: Messenger;
}

async function throwawayRelay(dataDir: string): Promise<RunningRelay> {
  const config = relayConfigSchema.parse({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    logLevel: 'debug',
  });
  return startRelay(config, {
    log: createLogger('debug', (line) => appendFileSync(join(dataDir, RELAY_LOG_FILE), line + '\n')),
    // Device secrets of throwaway accounts on a throwaway relay: a cheap hash is enough.
    secretHasher: createScryptHasher({ N: 1024, r: 8, p: 1 }),
  });
}

async function throwawayAccount(home: string, who: string, relayUrl: string): Promise<Account> {
  const dir = join(home, who);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const opts: MessengerOptions = {
    backend: new SqliteBackend(join(dir, 'sotto.db')),
    passphrase: randomBytes(24).toString('base64url'),
    storeOptions: { kdfCost: THROWAWAY_KDF_COST },
    WebSocket: WebSocket as unknown as NonNullable<MessengerOptions['WebSocket']>,
    prekeyPolicy: THROWAWAY_PREKEYS,
  };
  return { messenger: await Messenger.create({ ...opts, relayUrl }) };
}

export class SottoChannel implements Channel {
  readonly name: string;
  readonly role: ChannelRole;
  private readonly sent: string[] = [];
  private recipientOnline = false;
  private closed = false;

  private constructor(
    private readonly home: string,
    private readonly a: Account,
    private readonly b: Account,
    readonly relayUrl: string,
    private readonly relay: RunningRelay | undefined,
    readonly dataDir: string | undefined,
    private readonly opts: SottoChannelOptions,
  ) {
    this.name = opts.name ?? 'sotto';
    this.role = opts.role ?? 'subject';
  }

  /** Starts (or uses) the relay, creates the two accounts and makes them contacts of each other. */
  static async open(opts: SottoChannelOptions = {}): Promise<SottoChannel> {
    const home = mkdtempSync(join(tmpdir(), 'sotto-audit-accounts-'));
    let relay: RunningRelay | undefined;
    const made: Account[] = [];
    try {
      let dataDir: string | undefined;
      let relayUrl = opts.relayUrl;
      if (relayUrl === undefined) {
        dataDir = join(home, 'relay-data');
        mkdirSync(dataDir, { recursive: true, mode: 0o700 });
        relay = await throwawayRelay(dataDir);
        relayUrl = relay.url;
      }
      opts.onRelay?.(relayUrl);
      const a = await throwawayAccount(home, 'alice', relayUrl);
      made.push(a);
      const b = await throwawayAccount(home, 'bob', relayUrl);
      made.push(b);
      // Full addresses carry the identity keys, so both contacts are verified at once.
      await a.messenger.addContact('bob', b.messenger.address);
      await b.messenger.addContact('alice', a.messenger.address);
      await a.messenger.connect();
      return new SottoChannel(home, a, b, relayUrl, relay, dataDir, opts);
    } catch (e) {
      await Promise.allSettled(made.map((x) => x.messenger.close()));
      await relay?.close();
      rmSync(home, { recursive: true, force: true });
      throw e;
    }
  }

  /** A → B through the normal send path; resolves once the relay accepted the envelope(s). */
  async send(text: string): Promise<void> {
    const s = await this.a.messenger.send('bob', text);
    await s.accepted;
    this.sent.push(text);
  }

  /** B connects, receives and decrypts its queue, then reads the conversation (history, markRead). */
  async deliverAndRead(): Promise<void> {
    const b = this.b.messenger;
    if (!this.recipientOnline) {
      const hook = this.opts.onDecrypted;
      if (hook !== undefined) {
        b.on('message', ({ entry }) => {
          if (entry.direction === 'in') hook(entry.text);
        });
      }
      await b.connect();
      this.recipientOnline = true;
      await b.whenQueueEmpty();
    }
    const until = Date.now() + (this.opts.readTimeoutMs ?? 30_000);
    for (;;) {
      const read = (await b.history('alice', 1000)).filter((e) => e.direction === 'in').map((e) => e.text);
      const missing = this.sent.filter((t) => !read.includes(t));
      if (missing.length === 0) break;
      if (Date.now() > until)
        throw new AuditError(
          'NotDelivered',
          `${missing.length} of ${this.sent.length} message(s) never reached the recipient`,
        );
      await new Promise((r) => setTimeout(r, 25));
    }
    await b.markRead('alice');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.a.messenger.close(), this.b.messenger.close()]);
    await this.relay?.close();
    rmSync(this.home, { recursive: true, force: true });
  }
}
