// A throwaway redis-server for tests: loopback only, no persistence (--save '' --appendonly no), in a
// temp dir, stopped and deleted at the end.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild } from './child-server.js';
import type { ChildServer } from './child-server.js';
import { freeLowPort } from './free-port.js';
import { INSTALL_HINT, ServerError } from './server-errors.js';

export interface RedisServer {
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** The temp directory (deleted by dispose). */
  readonly dir: string;
  /** Stops the server; `start()` brings it back (empty) on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its directory. Idempotent. */
  dispose(): Promise<void>;
}

/** The redis-server binary: $SOTTO_REDIS_SERVER, else the one on PATH. */
export function findRedisServer(
  env: string | undefined = process.env.SOTTO_REDIS_SERVER,
  candidates: readonly string[] = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'],
): string {
  for (const p of env ? [env] : candidates) {
    try {
      execFileSync(p, ['--version'], { stdio: 'ignore' });
      return p;
    } catch {
      // try the next
    }
  }
  throw new ServerError('BinaryMissing', `redis-server not found. ${INSTALL_HINT}`);
}

/** Starts a throwaway redis-server on a free loopback port below 32768. */
export async function startRedis(): Promise<RedisServer> {
  const bin = findRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'sotto-redis-'));
  let port = 0;
  let child: ChildServer | undefined;
  const launch = async () => {
    child = await startChild(
      'redis-server',
      bin,
      ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir],
      'Ready to accept connections',
    );
  };
  for (let attempt = 0; ; attempt++) {
    port = await freeLowPort();
    try {
      await launch();
      break;
    } catch (err) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  let disposed = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      await child?.stop('SIGTERM');
      child = undefined;
    },
    async start() {
      if (child) return;
      await launch();
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await child?.stop('SIGTERM');
      child = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
