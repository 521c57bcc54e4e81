// A throwaway redis-server for tests: loopback only, no persistence (--save '' --appendonly no), in a
// temp dir, stopped and deleted at the end.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild } from './child-server.js';
import { startRestartable } from './restartable-server.js';
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
  const server = await startRestartable(
    (port) =>
      startChild(
        'redis-server',
        bin,
        ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir],
        'Ready to accept connections',
      ),
    dir,
    'SIGTERM',
  );
  return { url: `redis://127.0.0.1:${server.port}`, dir, ...server };
}
