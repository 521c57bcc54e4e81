// `sotto relay` as a user runs it: the real executable in a child process.
import { after, describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { defaultWebRoot } from '../src/commands/web-root.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'packages/cli/bin/sotto.js');

const tmp: string[] = [];
after(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sotto-cli-relay-'));
  tmp.push(d);
  return d;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function sotto(args: string[], env: Record<string, string> = {}) {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<Run>((resolve) =>
    proc.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  /** Resolves with the first stdout line matching `re`. */
  const line = (re: RegExp, timeoutMs = 30_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no line ${String(re)}; stderr: ${stderr}`)),
        timeoutMs,
      );
      const rl = createInterface({ input: proc.stdout });
      rl.on('line', (l) => {
        const m = re.exec(l);
        if (m) {
          clearTimeout(timer);
          rl.close();
          resolve(m);
        }
      });
      void done.then((r) => {
        clearTimeout(timer);
        reject(new Error(`sotto exited (${r.code}) before printing ${String(re)}; stderr: ${r.stderr}`));
      });
    });
  return { proc, done, line };
}

void describe('sotto relay (executable)', () => {
  void it('starts on an ephemeral port, prints its URL, answers /healthz, and exits 0 on SIGTERM', async () => {
    const data = join(tempDir(), 'data');
    const run = sotto(['relay', '--port', '0', '--data', data]);
    const [, url] = await run.line(/listening on (http:\/\/\S+)/);
    const res = await fetch(`${url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
    assert.ok(existsSync(data), 'the data directory was created');
    run.proc.kill('SIGTERM');
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.includes(`data directory: ${data} (Ctrl-C to stop)`), r.stderr);
    assert.match(r.stderr, /SIGTERM: draining/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  void it('prints a JSON listening event with --json and stops on SIGINT', async () => {
    const run = sotto(['--json', 'relay', '--port', '0', '--data', join(tempDir(), 'd')]);
    const [line] = await run.line(/^\{.*"event":"listening".*\}$/);
    const event = JSON.parse(line) as { url: string; port: number; host: string };
    assert.equal(event.host, '127.0.0.1');
    assert.ok(event.port > 0);
    assert.equal(event.url, `http://127.0.0.1:${event.port}`);
    run.proc.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
  });

  void it('exits 3 with one line when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const r = await sotto(['relay', '--port', String(port), '--data', join(tempDir(), 'd')]).done;
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /already in use/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    } finally {
      blocker.close();
    }
  });

  void it('rejects a bad flag value with one line and exit 2, without starting', async () => {
    const r = await sotto(['relay', '--port', 'eighty', '--data', join(tempDir(), 'd')]).done;
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'error: invalid port (from flag --port): expected an integer, got "eighty"\n');
    assert.equal(r.stdout, '');
  });

  void it('--print-config redacts credentials from the environment', async () => {
    const r = await sotto(['relay', '--print-config'], {
      SOTTO_DATABASE_URL: 'postgres://sotto:pa55word@db.example/sotto',
    }).done;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('pa55word'), r.stdout);
    assert.match(r.stdout, /databaseUrl\s+"postgres:\/\/REDACTED:REDACTED@db\.example\/sotto"\s+# env/);
  });

  void it('--print-config shows the web root it will serve, its own default included', async () => {
    const dflt = await sotto(['--json', 'relay', '--print-config']).done;
    assert.equal(dflt.code, 0, dflt.stderr);
    const shown = JSON.parse(dflt.stdout) as {
      config: Record<string, unknown>;
      sources: Record<string, string>;
    };
    assert.equal(shown.config['webRoot'], defaultWebRoot(), 'packages/web/dist when built, else unset');
    assert.equal(shown.sources['webRoot'], 'default');
  });

  void it('takes --database and --bus (issue 8 spelling) and still accepts --database-url/--bus-url', async () => {
    const args = ['--json', 'relay', '--print-config'];
    const db = 'postgres://sotto:pa55word@db.example/sotto';
    const bus = 'redis://:t0ken@10.0.0.5:6379';
    type Printed = { config: Record<string, unknown>; sources: Record<string, string> };
    const now = await sotto([...args, '--database', db, '--bus', bus]).done;
    assert.equal(now.code, 0, now.stderr);
    const printed = JSON.parse(now.stdout) as Printed;
    assert.equal(printed.config['databaseUrl'], 'postgres://REDACTED:REDACTED@db.example/sotto');
    assert.equal(printed.config['busUrl'], 'redis://:REDACTED@10.0.0.5:6379');
    assert.equal(printed.sources['databaseUrl'], 'flag');
    assert.equal(printed.sources['busUrl'], 'flag');
    assert.ok(!now.stdout.includes('pa55word') && !now.stdout.includes('t0ken'), now.stdout);

    const old = await sotto([...args, '--database-url', db, '--bus-url', bus]).done;
    assert.equal(old.code, 0, old.stderr);
    assert.deepEqual(JSON.parse(old.stdout), printed);

    const both = await sotto(['relay', '--print-config', '--database', db, '--database-url', db]).done;
    assert.equal(both.code, 2);
    assert.match(
      both.stderr,
      /^error: --database-url is the old spelling of --database: give only one of them\n$/,
    );

    const bad = await sotto(['relay', '--database', 'mysql://db/x', '--data', join(tempDir(), 'd')]).done;
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid databaseUrl \(from flag --database\)/);
  });

  void it('--help documents --database and --bus, not the old spellings', async () => {
    const r = await sotto(['relay', '--help']).done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /--database <value>\s+PostgreSQL URL/);
    assert.match(r.stdout, /--bus <value>\s+delivery-hint bus/);
    assert.doesNotMatch(r.stdout, /--database-url|--bus-url/);
  });
});
