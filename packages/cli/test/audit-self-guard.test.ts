// `sotto audit self` neither hangs nor leaves files behind: SIGTERM/SIGINT during the run remove
// its temporary directories (exit 130), and a relay that never answers fails the account setup
// after --setup-timeout (exit 3) instead of waiting. Each run gets its own TMPDIR, so what is left
// in it is exactly what the run left behind.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, ROOT } from './sotto-harness.js';

interface Child {
  readonly pid: number;
  kill(signal: NodeJS.Signals): void;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** `sotto audit self ARGS` with TMPDIR=`tmp`; killed (and failed) if still running after 30 s. */
function auditSelf(tmp: string, args: string[]): Child {
  const proc = spawn(process.execPath, [BIN, 'audit', 'self', ...args], {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  return {
    pid: proc.pid ?? -1,
    kill: (signal) => proc.kill(signal),
    exited: new Promise((resolve) =>
      proc.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stderr });
      }),
    ),
  };
}

/** The run's own entries in `tmp` (tsx keeps its compile cache there too). */
const leftovers = (tmp: string) => readdirSync(tmp).filter((n) => n.startsWith('sotto-'));

/** Paths under `dir` (two levels) whose name starts with `prefix`. */
function findNested(dir: string, prefix: string): string | undefined {
  for (const a of existsSync(dir) ? readdirSync(dir) : []) {
    if (a.startsWith(prefix)) return join(dir, a);
    const sub = join(dir, a);
    try {
      const hit = readdirSync(sub).find((b) => b.startsWith(prefix));
      if (hit !== undefined) return join(sub, hit);
    } catch {
      // not a directory, or removed meanwhile
    }
  }
  return undefined;
}

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

void describe('sotto audit self: no hang, no leftovers', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    void it(`${signal} while the throwaway accounts are being set up removes every temp directory (exit 130)`, async (t) => {
      const tmp = mkdtempSync(join(tmpdir(), 'sotto-cli-guard-'));
      t.after(() => rmSync(tmp, { recursive: true, force: true }));
      const child = auditSelf(tmp, ['--wait', '30']);
      // The accounts' home is created when the setup starts.
      const accounts = await waitFor('the accounts directory', () =>
        findNested(tmp, 'sotto-audit-accounts-'),
      );
      child.kill(signal);
      const r = await child.exited;
      assert.equal(r.code, 130, `exit ${r.code} (${r.signal}): ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`error: interrupted by ${signal}`));
      assert.equal(existsSync(accounts), false, `${accounts} is gone`);
      assert.deepEqual(leftovers(tmp), []);
    });
  }

  void it('a relay that never answers fails the account setup after --setup-timeout with exit 3', async (t) => {
    const tmp = mkdtempSync(join(tmpdir(), 'sotto-cli-guard-'));
    // Accepts connections and never says a word.
    const sockets = new Set<Socket>();
    const silent = createServer((s) => void sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    t.after(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
      rmSync(tmp, { recursive: true, force: true });
    });
    const address = silent.address();
    assert.ok(address !== null && typeof address === 'object');
    const url = `http://127.0.0.1:${address.port}`;
    const started = Date.now();
    const r = await auditSelf(tmp, ['--server', url, '--setup-timeout', '1']).exited;
    assert.equal(r.code, 3, `exit ${r.code} (${r.signal}): ${r.stderr}`);
    const errors = r.stderr.split(/[\r\n]/).filter((l) => l.startsWith('error: '));
    assert.equal(errors.length, 1, r.stderr);
    assert.match(
      errors[0] ?? '',
      /not set up within 1 s \(is the relay at http:\/\/127\.0\.0\.1:\d+ answering\?\)/,
    );
    assert.ok(Date.now() - started < 20_000, 'bounded, not the HTTP client timeout');
    assert.deepEqual(leftovers(tmp), []);
  });
});
