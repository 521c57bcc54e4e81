// The real `sotto` executable as a child process, for tests in any package (the CLI's own suites and
// the browser suite's browser-and-CLI chat): temp homes, the test passphrase, the test-only cheap KDF
// (SOTTO_KDF_COST=test), and helpers that fail with the process output. Node-only.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
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
