// The systemd unit in docs/relay.md is copied by operators as is: it must start the real command,
// outlast the relay's own shutdown grace before SIGKILL, not restart-loop on a configuration error,
// keep the data directory writable under its hardening, and pass `systemd-analyze verify` where
// systemd is installed.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const DOC = new URL('../../../docs/relay.md', import.meta.url);
const REPO = new URL('../../../', import.meta.url);

function unitFromDocs(): string {
  const text = readFileSync(DOC, 'utf8');
  const m = /```ini\n# \/etc\/systemd\/system\/sotto-relay\.service\n([\s\S]*?)```/.exec(text);
  assert.ok(m, 'docs/relay.md has the sotto-relay.service block');
  return m[1]!;
}

/** `Key=value` lines of the unit (the last one wins, as in systemd for these keys). */
function directives(unit: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of unit.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

void describe('the systemd unit in docs/relay.md', () => {
  const d = directives(unitFromDocs());

  void it('runs the repository’s sotto executable as `sotto relay --config …`', () => {
    const exec = (d.get('ExecStart') ?? '').split(/\s+/);
    assert.equal(exec[0], '/usr/bin/node');
    const script = exec[1] ?? '';
    assert.ok(script.startsWith('/opt/sotto/'), script);
    assert.ok(existsSync(new URL(script.slice('/opt/sotto/'.length), REPO)), `${script} exists in the repo`);
    assert.deepEqual(exec.slice(2), ['relay', '--config', '/etc/sotto/relay.json']);
    assert.equal(d.get('WorkingDirectory'), '/opt/sotto');
  });

  void it('waits longer than the default --shutdown-grace (30 s) before SIGKILL', () => {
    assert.equal(d.get('KillSignal'), 'SIGTERM');
    assert.ok(Number(d.get('TimeoutStopSec')) > 30, `TimeoutStopSec=${d.get('TimeoutStopSec')}`);
  });

  void it('does not restart on exit 2 (a configuration error), only on other failures', () => {
    assert.equal(d.get('Restart'), 'on-failure');
    assert.ok((d.get('RestartPreventExitStatus') ?? '').split(/\s+/).includes('2'));
  });

  void it('keeps the state directory writable under ProtectSystem=strict', () => {
    assert.equal(d.get('ProtectSystem'), 'strict');
    assert.equal(d.get('StateDirectory'), 'sotto');
    assert.equal(d.get('MemoryDenyWriteExecute'), 'false', "V8's JIT needs it off");
  });

  void it('passes systemd-analyze verify', async () => {
    const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
    // Like the other suites that need Debian packages: a missing tool fails with a hint, never skips.
    assert.ok(analyze, 'systemd-analyze not found: apt-get install systemd (.ci/apt-packages.txt)');
    const dir = mkdtempSync(join(tmpdir(), 'sotto-unit-'));
    try {
      const file = join(dir, 'sotto-relay.service');
      // verify checks that ExecStart's program exists: this machine's node stands in for /usr/bin/node.
      writeFileSync(file, unitFromDocs().replaceAll('/usr/bin/node', process.execPath));
      const { stderr } = await promisify(execFile)(analyze, ['verify', file], { timeout: 30_000 });
      // Unknown or misspelt directives are warnings on stderr, not a non-zero exit.
      assert.equal(stderr.trim(), '', stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
