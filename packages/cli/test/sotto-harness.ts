// Test harness for the messenger commands: a REAL relay in-process on 127.0.0.1:0 (cheap scrypt
// for device secrets), temp homes, and the real `sotto` executable spawned as child processes with
// the test-only cheap KDF (SOTTO_KDF_COST=test). Only loopback traffic.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before } from 'node:test';
import {
  createScryptHasher,
  relayConfigSchema,
  silentLogger,
  startRelay,
  type RunningRelay,
} from '@sotto/relay';
import { BIN, PASS, ROOT, removeTempDirs, tempDir } from '@sotto/testkit/sotto-cli';
import type { Run } from '@sotto/testkit/sotto-cli';
import { COMMANDS, runCli } from '../src/index.js';
import { fakeIO } from './fake-io.js';

// Spawning the executable is shared with other packages' tests (the browser suite chats with it).
export { BIN, PASS, ROOT, jsonLines, ok, removeTempDirs, sotto, tempDir } from '@sotto/testkit/sotto-cli';
export type { Run } from '@sotto/testkit/sotto-cli';

export async function startTestRelay(
  overrides: Record<string, unknown> = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const config = relayConfigSchema.parse({
    host: '127.0.0.1',
    port: 0,
    dataDir: tempDir('sotto-cli-relay-'),
    logLevel: 'silent',
    registrationsPerMinute: 1_000_000, // a test file registers many accounts in seconds
    registrationsPerAddressPerMinute: 1_000_000, // all of them from 127.0.0.1
    ...overrides,
  });
  const relay: RunningRelay = await startRelay(config, {
    log: silentLogger,
    secretHasher: createScryptHasher({ N: 1024, r: 8, p: 1 }),
  });
  return { url: relay.url, close: () => relay.close() };
}

/**
 * One relay for a test file: started before its first test, closed (and the temp dirs removed) after
 * its last. Read `url` inside tests.
 */
export function relayForFile(): { readonly url: string } {
  let relay: Awaited<ReturnType<typeof startTestRelay>> | undefined;
  before(async () => {
    relay = await startTestRelay();
  });
  after(async () => {
    await relay?.close();
    removeTempDirs();
  });
  return {
    get url(): string {
      if (relay === undefined) throw new Error('the test relay is not running');
      return relay.url;
    },
  };
}

/** A loopback port nothing listens on (bound, then released): a relay that is down. */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Like sotto() (same environment: home, test passphrase, cheap KDF) but in this process, through
 * runCli: no process start-up, so a test can try many inputs; use sotto() where the executable
 * itself is the point.
 */
export async function sottoInProcess(
  home: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<Run> {
  const io = fakeIO({ SOTTO_HOME: home, SOTTO_PASSPHRASE: PASS, SOTTO_KDF_COST: 'test', ...env });
  const code = await runCli(args, io, COMMANDS);
  return { code, stdout: io.out, stderr: io.err };
}

/** Like sottoInProcess() but fails with the output unless the command exits 0 (for set-up steps). */
export async function okInProcess(
  home: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<Run> {
  const r = await sottoInProcess(home, args, env);
  assert.equal(r.code, 0, `sotto ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r;
}

/**
 * Two fresh homes on `relayUrl` set up in-process (cheap: for tests where only the command under
 * test needs the executable), each in the other's contacts ("alice", "bob") by a unique username.
 */
export async function contactsPairInProcess(relayUrl: string): Promise<{ alice: string; bob: string }> {
  const [alice, bob] = [tempDir(), tempDir()];
  const suffix = Math.random().toString(36).slice(2, 8);
  await Promise.all([
    okInProcess(alice, ['init', '--server', relayUrl, '--username', `alice_${suffix}`]),
    okInProcess(bob, ['init', '--server', relayUrl, '--username', `bob_${suffix}`]),
  ]);
  await Promise.all([
    okInProcess(alice, ['contact', 'add', 'bob', `@bob_${suffix}`]),
    okInProcess(bob, ['contact', 'add', 'alice', `@alice_${suffix}`]),
  ]);
  return { alice, bob };
}

/** A run of the executable that may have been killed as hung (see startSotto). */
export interface SpawnedRun extends Run {
  /** Still running `hangMs` after it started, so it was killed: code is then null. */
  readonly hung: boolean;
}

/** A `sotto` process started by startSotto(), with standard input a pipe left open. */
export interface RunningSotto {
  /** Writes `input` to its standard input and closes it (end of input); no-op once closed. */
  end(input?: string): void;
  /** Resolves once its stdout so far matches `re`; rejects if it exits first. */
  seen(re: RegExp): Promise<void>;
  /** Its stdout so far. */
  stdout(): string;
  /** Resolves when it exited, or was killed as hung. */
  readonly exit: Promise<SpawnedRun>;
}

/**
 * Starts the real `sotto ARGS` in `home` (test passphrase, cheap KDF) with standard input a pipe the
 * test writes to or leaves open; a process still running after `hangMs` is killed and reported as
 * hung, so a command that never ends fails its test instead of stalling the run.
 */
export function startSotto(home: string, args: string[], hangMs = 20_000): RunningSotto {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, SOTTO_HOME: home, SOTTO_PASSPHRASE: PASS, SOTTO_KDF_COST: 'test' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  const notify = () => {
    for (const w of watchers) w();
  };
  proc.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
    notify();
  });
  proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  // Writing to a process that already exited is not this harness's failure to report.
  proc.stdin.on('error', () => {});
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    proc.kill('SIGKILL');
  }, hangMs);
  let exited = false;
  const exit = new Promise<SpawnedRun>((resolve) =>
    proc.on('close', (code) => {
      clearTimeout(timer);
      exited = true;
      notify();
      resolve({ code, stdout, stderr, hung });
    }),
  );
  const seen = (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (re.test(stdout)) {
          watchers.delete(check);
          resolve();
        } else if (exited || proc.exitCode !== null || proc.signalCode !== null) {
          watchers.delete(check);
          reject(new Error(`sotto ${args.join(' ')} exited before ${String(re)}: ${stderr}`));
        }
      };
      watchers.add(check);
      check();
    });
  const end = (input = '') => {
    if (proc.stdin.writable && !proc.stdin.writableEnded) proc.stdin.end(input);
  };
  return { end, seen, exit, stdout: () => stdout };
}

/** Every file under `dir`, recursively. */
export function allFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...allFiles(p));
    else out.push(p);
  }
  return out;
}

/** The encodings of `needle` someone reading the files might find: raw, UTF-16, base64(url), hex. */
export function encodingsOf(needle: string): Buffer[] {
  const raw = Buffer.from(needle, 'utf8');
  return [
    raw,
    Buffer.from(needle, 'utf16le'),
    Buffer.from(raw.toString('base64').replace(/=+$/, '').slice(0, -2)),
    Buffer.from(raw.toString('base64url').replace(/=+$/, '').slice(0, -2)),
    Buffer.from(raw.toString('hex')),
    Buffer.from(raw.toString('hex').toUpperCase()),
  ];
}

/** Files under `dir` that contain any encoding of `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const forms = encodingsOf(needle);
  return allFiles(dir).filter((f) => {
    const bytes = readFileSync(f);
    return forms.some((n) => bytes.includes(n));
  });
}

/** The CLI's error contract: exit code `exit`, one stderr line "error: …" matching `re`, no stack. */
export function assertOneLineError(r: Run, exit: number, re: RegExp): void {
  assert.equal(r.code, exit, `exit ${r.code}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0] ?? '', /^error: /);
  assert.match(lines[0] ?? '', re);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}
