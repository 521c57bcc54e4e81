// A throwaway PostgreSQL for tests: initdb into a temp dir (trust auth, loopback only, a unix socket in
// the same dir), started as a child process, stopped and deleted at the end. fsync is off unless
// asked for (`durable`): the data is thrown away, and durability is PostgreSQL's job, not what the
// tests measure.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild } from './child-server.js';
import { startRestartable } from './restartable-server.js';
import { INSTALL_HINT, ServerError } from './server-errors.js';

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust auth: no password). */
  readonly url: string;
  readonly port: number;
  /** The temp directory holding data, socket and log (deleted by dispose). */
  readonly dir: string;
  /** Creates a fresh empty database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Runs SQL through psql as the superuser (test set-up only). */
  psql(sql: string, database?: string): Promise<string>;
  /** Stops the server (fast shutdown) keeping its data; `start()` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its data directory. Idempotent. */
  dispose(): Promise<void>;
}

/** The directory holding initdb/postgres/psql: $SOTTO_PG_BIN, else the newest /usr/lib/postgresql/N/bin. */
export function findPostgresBin(
  env: string | undefined = process.env.SOTTO_PG_BIN,
  root = '/usr/lib/postgresql',
): string {
  const candidates: string[] = [];
  if (env) candidates.push(env);
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(root, v, 'bin')));
  }
  for (const dir of candidates) {
    if (['initdb', 'postgres', 'psql'].every((b) => existsSync(join(dir, b)))) return dir;
  }
  throw new ServerError('BinaryMissing', `PostgreSQL server binaries not found. ${INSTALL_HINT}`);
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** PostgreSQL refuses to run as root: when we are root, run it as the `postgres` user. */
function runAs(): RunAs {
  if (process.getuid?.() !== 0) return {};
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new ServerError(
      'BinaryMissing',
      `running as root but there is no "postgres" user to run the server as. ${INSTALL_HINT}`,
    );
  }
}

function run(cmd: string, args: string[], as: RunAs, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      ...as,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new ServerError('StartFailed', `${cmd} failed (${code}): ${out}`)),
    );
    child.stdin.end(input ?? '');
  });
}

let dbCounter = 0;

export interface StartPostgresOptions {
  /**
   * Keep PostgreSQL's durable defaults (fsync, synchronous_commit, full_page_writes on): a COMMIT is
   * on disk before it returns. For benchmarks that measure durable delivery; tests leave it off.
   */
  readonly durable?: boolean;
}

/**
 * Starts a throwaway PostgreSQL on a free loopback port below 32768. Throws ServerError('BinaryMissing')
 * with install instructions if the binaries are not there.
 * @example const pg = await startPostgres(); const url = await pg.createDatabase(); … await pg.dispose();
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const speed = options.durable
    ? []
    : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  const bin = findPostgresBin();
  const as = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'sotto-pg-'));
  if (as.uid !== undefined && as.gid !== undefined) chownSync(dir, as.uid, as.gid);
  const data = join(dir, 'data');
  try {
    await run(
      join(bin, 'initdb'),
      ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'],
      as,
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // SIGINT = "fast" shutdown: aborts open transactions, disconnects clients, checkpoints.
  const proc = await startRestartable(
    (port) =>
      startChild(
        'postgres',
        join(bin, 'postgres'),
        [
          '-D',
          data,
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-k',
          dir,
          ...speed,
          '-c',
          'max_connections=200',
          '-c',
          'listen_addresses=127.0.0.1',
        ],
        'database system is ready to accept connections',
        { ...as, env: { ...process.env, LC_ALL: 'C' } },
      ),
    dir,
    'SIGINT',
  );
  const port = proc.port;
  const psqlArgs = (database: string) => [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-U',
    'postgres',
    '-d',
    database,
  ];
  const server: PostgresServer = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    psql: (sql, database = 'postgres') =>
      run(join(bin, 'psql'), [...psqlArgs(database), '-v', 'ON_ERROR_STOP=1', '-qAt', '-f', '-'], {}, sql),
    async createDatabase(name) {
      const db = name ?? `t${process.pid}_${++dbCounter}`;
      await server.psql(`CREATE DATABASE "${db}"`);
      return `postgres://postgres@127.0.0.1:${port}/${db}`;
    },
    stop: proc.stop,
    start: proc.start,
    dispose: proc.dispose,
  };
  return server;
}
