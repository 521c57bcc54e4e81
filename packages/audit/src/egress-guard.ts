// The egress guard (AUDIT.md "Making the automated run trustworthy"): while the subject (Sotto's
// relay and clients) runs, every outbound TCP connection attempted from its asynchronous context is
// checked against an allow-list (its relay, the listener). Anything else is recorded with a stack
// and BLOCKED before a byte leaves, so a would-be leak is caught even if it never reaches the
// listener. Attribution uses AsyncLocalStorage: connections made by the controls, the listener or
// the audit's own tooling run outside the guarded context and are not judged.
//
// It hooks net.Socket.prototype.connect, which every Node client connection goes through (net.connect,
// http.request/agents, ws, undici's fetch, tls.connect). Process-wide while installed; one at a time.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Socket } from 'node:net';
import { AuditError } from './errors.js';
import type { EgressSummary, EgressViolation } from './report.js';

type Connect = (this: Socket, ...args: unknown[]) => Socket;

/** Only one guard may patch the prototype at a time. */
let installedCount = 0;
const proto = Socket.prototype as unknown as { connect: Connect };

const LOOPBACK = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

function normalHost(host: string): string {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return LOOPBACK.test(h) ? 'loopback' : h;
}

/** The destination of a Socket#connect call, whatever argument form was used. */
function destination(args: readonly unknown[]): { host: string; port: number } {
  let first = args[0];
  if (Array.isArray(first)) first = first[0]; // net.connect passes its normalized [options, cb]
  if (typeof first === 'object' && first !== null) {
    const o = first as { host?: unknown; port?: unknown; path?: unknown };
    if (typeof o.path === 'string') return { host: `unix:${o.path}`, port: 0 };
    return { host: typeof o.host === 'string' ? o.host : 'localhost', port: Number(o.port ?? 0) };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return { host: `unix:${first}`, port: 0 };
  return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: Number(first ?? 0) };
}

export class EgressGuard {
  private readonly als = new AsyncLocalStorage<true>();
  private readonly allowed = new Set<string>();
  private original: Connect | undefined;
  readonly violations: EgressViolation[] = [];
  /** Connections the guarded context made to allowed destinations (proof the guard saw traffic). */
  allowedConnections = 0;

  /** Allows the origin of a URL (e.g. the relay, the listener). */
  allow(url: string): this {
    const u = new URL(url);
    const port = u.port !== '' ? Number(u.port) : u.protocol === 'https:' || u.protocol === 'wss:' ? 443 : 80;
    this.allowed.add(`${normalHost(u.hostname)}:${port}`);
    return this;
  }

  install(): this {
    if (installedCount > 0) throw new AuditError('BadOption', 'an egress guard is already installed');
    installedCount++;
    const original = proto.connect;
    this.original = original;
    const als = this.als;
    const check = (dest: { host: string; port: number }): boolean =>
      this.allowed.has(`${normalHost(dest.host)}:${dest.port}`);
    const record = (v: EgressViolation): void => void this.violations.push(v);
    const counted = (): void => void this.allowedConnections++;
    const guarded: Connect = function (this: Socket, ...args: unknown[]): Socket {
      if (als.getStore() !== true) return original.apply(this, args);
      const dest = destination(args);
      if (check(dest)) {
        counted();
        return original.apply(this, args);
      }
      const stack = (new Error('blocked').stack ?? '').split('\n').slice(2, 12).join('\n');
      record({ host: dest.host, port: dest.port, time: new Date().toISOString(), stack });
      const err = new AuditError(
        'EgressBlocked',
        `egress guard blocked a connection to ${dest.host}:${dest.port}`,
      );
      process.nextTick(() => this.destroy(err));
      return this;
    };
    proto.connect = guarded;
    return this;
  }

  uninstall(): void {
    if (this.original === undefined) return;
    proto.connect = this.original;
    installedCount--;
    this.original = undefined;
  }

  /** Runs `fn` (and everything it schedules) as the guarded subject. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.als.run(true, fn);
  }

  summary(): EgressSummary {
    return {
      guarded: this.original !== undefined,
      allowed_connections: this.allowedConnections,
      violations: [...this.violations],
    };
  }
}
