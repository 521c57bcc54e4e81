// Test harness for the messenger commands: a REAL relay in-process on 127.0.0.1:0 (cheap scrypt
// for device secrets), temp homes, and the real `sotto` executable spawned as child processes with
// the test-only cheap KDF (SOTTO_KDF_COST=test). Only loopback traffic.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createScryptHasher,
  relayConfigSchema,
  silentLogger,
  startRelay,
  type RunningRelay,
} from '@sotto/relay';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(ROOT, 'packages/cli/bin/sotto.js');
export const PASS = 'correct horse battery staple';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const dirs: string[] = [];
export function tempDir(prefix = 'sotto-cli-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export async function startTestRelay(): Promise<{ url: string; close(): Promise<void> }> {
  const config = relayConfigSchema.parse({
    host: '127.0.0.1',
    port: 0,
    dataDir: tempDir('sotto-cli-relay-'),
    logLevel: 'silent',
  });
  const relay: RunningRelay = await startRelay(config, {
    log: silentLogger,
    secretHasher: createScryptHasher({ N: 1024, r: 8, p: 1 }),
  });
  return { url: relay.url, close: () => relay.close() };
}

/** Runs `sotto ARGS` in `home` with the test passphrase; resolves when it exits. */
export function sotto(
  home: string | null,
  args: string[],
  opts: { env?: Record<string, string | undefined>; input?: string } = {},
): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SOTTO_PASSPHRASE: PASS,
    SOTTO_KDF_COST: 'test',
    ...(home ? { SOTTO_HOME: home } : {}),
    ...opts.env,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: env,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (opts.input !== undefined) proc.stdin?.end(opts.input);
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve) => proc.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Like sotto() but fails with the output when the exit code is not `expected`. */
export async function ok(
  home: string | null,
  args: string[],
  opts: Parameters<typeof sotto>[2] = {},
  expected = 0,
): Promise<Run> {
  const r = await sotto(home, args, opts);
  if (r.code !== expected) {
    throw new Error(
      `sotto ${args.join(' ')} exited ${r.code} (expected ${expected})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
    );
  }
  return r;
}

export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
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
