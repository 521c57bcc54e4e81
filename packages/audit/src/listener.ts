// The canary listener: a bare node:http catch-all (AUDIT.md: frameworks answer HEAD implicitly and
// hide raw header order). Every request is stored durably before it is answered, and every answer is
// the same: 200, empty body, Cache-Control: no-store, a neutral Server header, never a redirect.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { JsonlLog, readJsonl } from './jsonl.js';
import { commonLogLine, parseRequestRecord } from './request-record.js';
import type { RequestRecord } from './request-record.js';
import { findTokens } from './tokens.js';

export const REQUESTS_FILE = 'requests.jsonl';
/** Bytes kept from the start of each connection, searched for tokens when its request is malformed. */
const HEAD_BYTES = 8 * 1024;

/** `::ffff:127.0.0.1` (an IPv4 client of a dual-stack listener) is `127.0.0.1`. */
function normaliseAddress(a: string): string {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(a);
  return m?.[1] ?? a;
}

export interface ListenerOptions {
  /** Audit directory holding requests.jsonl (created if missing). */
  readonly dir: string;
  /** The audit key the tokens were derived from: requests are matched by verifying, not by lookup. */
  readonly key: Uint8Array;
  readonly host?: string;
  readonly port?: number;
  /** Remote addresses whose X-Forwarded-For is believed (canarytokens#926). Both are stored. */
  readonly trustedProxies?: readonly string[];
  readonly maxHeaderSize?: number;
  readonly maxBodyBytes?: number;
  readonly serverHeader?: string;
  /** Called with a Common Log Format line for each hit (not for noise). */
  readonly onHit?: (line: string, record: RequestRecord) => void;
  readonly now?: () => Date;
}

export class Listener {
  private readonly opts: ListenerOptions;
  private readonly log: JsonlLog;
  private readonly stored: RequestRecord[];
  private readonly server: Server;
  /** The first HEAD_BYTES each open socket sent since its last complete request (for onClientError). */
  private readonly heads = new WeakMap<Socket, Buffer>();
  /** Lines of requests.jsonl that did not validate on reload (reported, not dropped silently). */
  readonly badLines: number;

  private constructor(opts: ListenerOptions) {
    this.opts = opts;
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    const path = join(opts.dir, REQUESTS_FILE);
    const { records, bad } = readJsonl(path, parseRequestRecord);
    this.stored = records;
    this.badLines = bad;
    this.log = new JsonlLog(path);
    this.server = createServer({ maxHeaderSize: opts.maxHeaderSize ?? 16 * 1024 }, (req, res) =>
      this.handle(req, res),
    );
    this.server.requestTimeout = 30_000;
    this.server.headersTimeout = 15_000;
    this.server.on('connection', (socket: Socket) => this.keepHead(socket));
    this.server.on('clientError', (err: Error & { code?: string; rawPacket?: Buffer }, socket: Socket) =>
      this.onClientError(err, socket),
    );
    // Without a handler node closes CONNECT requests unlogged: record them like any other request.
    this.server.on('connect', (req: IncomingMessage, socket: Socket) => this.onConnect(req, socket));
  }

  /** Starts listening (127.0.0.1 and an ephemeral port unless told otherwise). */
  static async start(opts: ListenerOptions): Promise<Listener> {
    const l = new Listener(opts);
    await new Promise<void>((resolve, reject) => {
      l.server.once('error', reject);
      l.server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        l.server.off('error', reject);
        resolve();
      });
    });
    return l;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The base URL links should point at, e.g. http://127.0.0.1:41234 */
  get baseUrl(): string {
    const host = this.opts.host ?? '127.0.0.1';
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  /** Every stored request, including those from before a restart. */
  records(): RequestRecord[] {
    return [...this.stored];
  }

  hits(): RequestRecord[] {
    return this.stored.filter((r) => r.kind === 'hit');
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.log.close();
  }

  private now(): Date {
    return this.opts.now ? this.opts.now() : new Date();
  }

  private clientAddress(remote: string, xff: string | null): string {
    const trusted = (this.opts.trustedProxies ?? []).map(normaliseAddress);
    if (xff === null || !trusted.includes(normaliseAddress(remote))) return remote;
    // Walk from the right: the first hop that is not a trusted proxy is the client.
    const hops = xff
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i] ?? '';
      if (!trusted.includes(normaliseAddress(hop))) return hop;
    }
    return hops[0] ?? remote;
  }

  private store(r: RequestRecord): void {
    this.log.append(r);
    this.stored.push(r);
    if (r.kind === 'hit') this.opts.onHit?.(commonLogLine(r), r);
  }

  /** Keeps the first HEAD_BYTES a socket sends: a request line may come packets before its error. */
  private keepHead(socket: Socket): void {
    this.heads.set(socket, Buffer.alloc(0));
    // Prepended so the chunk is kept before the parser sees it (and before a request resets it).
    socket.prependListener('data', (chunk: Buffer) => {
      const head = this.heads.get(socket);
      if (head === undefined || head.length >= HEAD_BYTES) return;
      this.heads.set(socket, Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]));
    });
    socket.once('close', () => this.heads.delete(socket));
  }

  private record(req: IncomingMessage, bodyBytes: number, truncated: boolean): void {
    const target = req.url ?? '';
    const tokens = findTokens(this.opts.key, target);
    const remote = req.socket.remoteAddress ?? '';
    const xffRaw = req.headers['x-forwarded-for'];
    const xff = xffRaw === undefined ? null : Array.isArray(xffRaw) ? xffRaw.join(', ') : xffRaw;
    const ua = req.headers['user-agent'];
    this.store({
      v: 1,
      kind: tokens.length > 0 ? 'hit' : 'noise',
      malformed: false,
      time: this.now().toISOString(),
      method: req.method ?? '',
      target,
      http_version: req.httpVersion,
      tokens,
      remote_address: remote,
      remote_port: req.socket.remotePort ?? 0,
      forwarded_for: xff,
      client_address: this.clientAddress(remote, xff),
      user_agent: ua ?? null,
      raw_headers: [...req.rawHeaders],
      body_bytes: bodyBytes,
      body_truncated: truncated,
      error: null,
    });
  }

  private onConnect(req: IncomingMessage, socket: Socket): void {
    socket.on('error', () => socket.destroy());
    try {
      this.record(req, 0, false);
    } catch {
      // Disk errors must not take the listener down; the socket is still answered below.
    }
    socket.end(
      `HTTP/1.1 200 OK\r\nContent-Length: 0\r\nCache-Control: no-store\r\nServer: ${this.opts.serverHeader ?? 'httpd'}\r\nConnection: close\r\n\r\n`,
    );
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    // A complete request: what its socket sent so far is not evidence for a later malformed one.
    this.heads.set(req.socket, Buffer.alloc(0));
    const cap = this.opts.maxBodyBytes ?? 64 * 1024;
    let bodyBytes = 0;
    let truncated = false;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      this.heads.set(req.socket, Buffer.alloc(0)); // nor is its body
      this.record(req, bodyBytes, truncated);
      res.writeHead(200, {
        'Content-Length': '0',
        'Cache-Control': 'no-store',
        Server: this.opts.serverHeader ?? 'httpd',
        ...(truncated ? { Connection: 'close' } : {}),
      });
      res.end();
    };
    req.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (bodyBytes > cap && !truncated) {
        truncated = true;
        req.pause();
        finish();
      }
    });
    req.on('end', finish);
    req.on('error', () => {
      truncated = true;
      finish();
    });
  }

  private onClientError(err: Error & { code?: string; rawPacket?: Buffer }, socket: Socket): void {
    // A malformed request is still evidence: store what we can, answer, keep serving.
    // The packet at the error (rawPacket) may not hold the request line: search what the socket sent
    // since its last complete request as well.
    const raw = err.rawPacket ? err.rawPacket.subarray(0, 4096).toString('latin1') : '';
    const head = (this.heads.get(socket) ?? Buffer.alloc(0)).toString('latin1');
    const firstLine = (head !== '' ? head : raw).split('\r\n')[0] ?? '';
    const [method = '', target = ''] = firstLine.split(' ');
    const tokens = findTokens(this.opts.key, `${head}\n${raw}`);
    const remote = socket.remoteAddress ?? '';
    try {
      this.store({
        v: 1,
        kind: tokens.length > 0 ? 'hit' : 'noise',
        malformed: true,
        time: this.now().toISOString(),
        method: method.slice(0, 64),
        target: target.slice(0, 2048),
        http_version: '1.1',
        tokens,
        remote_address: remote,
        remote_port: socket.remotePort ?? 0,
        forwarded_for: null,
        client_address: remote,
        user_agent: null,
        raw_headers: [],
        body_bytes: 0,
        body_truncated: false,
        error: err.code ?? 'ClientError',
      });
    } catch {
      // Disk errors must not take the listener down; the socket is still answered below.
    }
    if (socket.writable) {
      const status =
        err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    } else {
      socket.destroy();
    }
  }
}
