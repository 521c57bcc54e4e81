// TEST FIXTURE — POSITIVE CONTROL 1, NEVER A PRODUCT. A deliberately bad "Skype-like" messenger:
// its server sees PLAINTEXT, stores it in SQLite, extracts URLs with a regular expression and probes
// each with HEAD from the server after a short delay, as Microsoft did in 2013 (AUDIT.md). The audit
// must catch it, or the run proves nothing. It only ever probes loopback addresses and refuses
// anything else, and nothing in a production configuration can reach it (only tests and
// `audit self --control` construct it).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Channel } from '../channel.js';
import { AuditError } from '../errors.js';
import { isLoopbackHost, loopbackHttp, probeLoopback } from './loopback-probe.js';
import { URL_IN_TEXT, closeServer, loopbackUrl, startLoopbackServer } from './loopback-server.js';

export const SKYPE_LIKE_USER_AGENT = 'Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5';
const MAX_BODY = 64 * 1024;

export interface SkypeLikeOptions {
  readonly dataDir: string;
  /** Delay before the server probes a URL it saw (2013: hours; here milliseconds). */
  readonly probeDelayMs?: number;
}

export class SkypeLikeServer {
  private server!: Server;
  private readonly db: Database.Database;
  private readonly pending = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** URLs it refused to probe (non-loopback). */
  readonly refused: string[] = [];
  readonly probed: string[] = [];

  private constructor(
    readonly dataDir: string,
    private readonly probeDelayMs: number,
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'messages.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS account (account_id TEXT PRIMARY KEY, created_at INTEGER NOT NULL);' +
        'CREATE TABLE IF NOT EXISTS message (id INTEGER PRIMARY KEY, account_id TEXT NOT NULL REFERENCES account (account_id), body TEXT NOT NULL, received_at INTEGER NOT NULL, read_at INTEGER);' +
        "INSERT OR IGNORE INTO account VALUES ('alice', 0), ('bob', 0);",
    );
  }

  static async start(opts: SkypeLikeOptions): Promise<SkypeLikeServer> {
    const s = new SkypeLikeServer(opts.dataDir, opts.probeDelayMs ?? 20);
    s.server = await startLoopbackServer(MAX_BODY, (req, res, body) => s.handle(req, res, body));
    return s;
  }

  get url(): string {
    return loopbackUrl(this.server);
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: Buffer | null): void {
    if (req.method === 'POST' && req.url === '/send' && body !== null) {
      const text = body.toString('utf8');
      this.db
        .prepare("INSERT INTO message (account_id, body, received_at) VALUES ('bob', ?, ?)")
        .run(text, Date.now());
      for (const m of text.matchAll(URL_IN_TEXT)) this.schedule(m[0]);
      res.writeHead(204).end();
    } else if (req.method === 'GET' && req.url === '/inbox') {
      const rows = this.db.prepare('SELECT id, body FROM message WHERE read_at IS NULL').all() as {
        id: number;
      }[];
      this.db.prepare('UPDATE message SET read_at = ? WHERE read_at IS NULL').run(Date.now());
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rows));
    } else {
      res.writeHead(404).end();
    }
  }

  private schedule(url: string): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const p = this.probe(url).finally(() => this.pending.delete(p));
      this.pending.add(p);
    }, this.probeDelayMs);
    this.timers.add(timer);
  }

  /** HEAD from the server, like 65.52.100.214 did; loopback http only. */
  probe(url: string): Promise<void> {
    const u = loopbackHttp(url);
    if (u === undefined) {
      this.refused.push(url);
      return Promise.resolve();
    }
    this.probed.push(url);
    return probeLoopback(u, 'HEAD', SKYPE_LIKE_USER_AGENT);
  }

  /** Resolves when every scheduled probe has run. */
  async idle(): Promise<void> {
    while (this.timers.size > 0 || this.pending.size > 0) {
      await Promise.all([...this.pending]);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.pending]);
    await closeServer(this.server);
    this.db.close();
  }
}

async function post(url: string, body: string): Promise<void> {
  const u = new URL(url);
  if (!isLoopbackHost(u.hostname))
    throw new AuditError('NotLoopback', 'the Skype-like control runs on loopback only');
  const res = await fetch(url, { method: 'POST', body });
  if (!res.ok) throw new AuditError('BadOption', `control refused the message (${res.status})`);
}

/** The control as a Channel: send = POST plaintext to its server, read = fetch the inbox. */
export function skypeLikeChannel(server: SkypeLikeServer): Channel {
  return {
    name: 'skype-like',
    role: 'control',
    leaksAt: 'server',
    dataDir: server.dataDir,
    send: (text) => post(`${server.url}/send`, text),
    async deliverAndRead() {
      const res = await fetch(`${server.url}/inbox`);
      await res.arrayBuffer();
    },
    close: () => server.close(),
  };
}
