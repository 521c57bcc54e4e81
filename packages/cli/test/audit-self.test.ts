import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { buildSelfReport } from '@sotto/audit';
import type { ControlResult, Hit } from '@sotto/audit';
import { auditSelfExitCode } from '../src/commands/audit-self.js';
import { runCli } from '../src/program.js';
import { COMMANDS } from '../src/registry.js';
import { fakeIO } from './fake-io.js';

const BIN = fileURLToPath(new URL('../bin/sotto.js', import.meta.url));

interface SelfJson {
  tokens_sent: number;
  hits: { method: string; token: string }[];
  server_view: { needles: number; found: number };
  controls: {
    name: string;
    hits: { method: string; token: string; source: string; time: string }[];
    server_view: { needles: number; found: number } | null;
  }[];
  verdict: string;
}

function runBin(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

void describe('sotto audit self', () => {
  void it('--control --json (in-process): Sotto 0 hits and 0 needles; both controls caught', async () => {
    const io = fakeIO();
    const code = await runCli(['audit', 'self', '--control', '--wait', '0.3', '--json'], io, COMMANDS);
    assert.equal(code, 0, io.err);
    const r = JSON.parse(io.out) as SelfJson;
    assert.equal(r.tokens_sent, 4);
    assert.deepEqual(r.hits, []);
    assert.equal(r.server_view.needles, 12);
    assert.equal(r.server_view.found, 0);
    assert.equal(r.verdict, 'pass');
    assert.deepEqual(r.controls.map((c) => c.name).sort(), ['scanning-client', 'skype-like']);
    for (const c of r.controls) {
      assert.equal(new Set(c.hits.map((h) => h.token)).size, 4, `${c.name}: every token was hit`);
      assert.ok(c.hits.every((h) => h.source === '127.0.0.1' && !Number.isNaN(Date.parse(h.time))));
      assert.ok(c.server_view !== null);
    }
    const skype = r.controls.find((c) => c.name === 'skype-like');
    const scanning = r.controls.find((c) => c.name === 'scanning-client');
    assert.ok(skype?.hits.every((h) => h.method === 'HEAD'));
    assert.ok((skype?.server_view?.found ?? 0) > 0, 'needles found in the Skype-like store');
    assert.ok(scanning?.hits.every((h) => h.method === 'GET'));
    assert.match(io.err, /100% listening for fetches via sotto/, 'progress bar on stderr');
    assert.doesNotMatch(io.out, /http:\/\//, 'no live link in the JSON');
  });

  void it('the real `sotto` binary: --control prints one screen, PASS, exit 0', async () => {
    const { code, out, err } = await runBin(['audit', 'self', '--control', '--count', '2', '--wait', '0.3']);
    assert.equal(code, 0, err);
    assert.match(out, /verdict: PASS/);
    assert.match(out, /Sotto: 2 token\(s\) sent, 0 hit\(s\), 0 of 6 needle\(s\) found in the relay's store/);
    assert.match(out, /Control "skype-like" \[test fixture\]: CAUGHT — 2 sent, [2-9] hit\(s\)/);
    assert.match(out, /Control "scanning-client" \[test fixture\]: CAUGHT — 2 sent, [2-9] hit\(s\)/);
    assert.match(out, /HEAD {4}\S+ from 127\.0\.0\.1 at \d{4}-/);
    assert.match(out, /GET {5}\S+ from 127\.0\.0\.1 at \d{4}-/);
    assert.ok(out.trim().split('\n').length <= 24, 'one screen');
    assert.doesNotMatch(out, /https?:\/\//, 'defanged');
    assert.match(err, /listening for fetches via sotto/);
  });

  void it('exit codes: 1 when Sotto leaked, 8 when a control was not caught, 0 otherwise', () => {
    const sv = { needles: 3, found: 0 };
    const hit = { token: 'x', method: 'HEAD' } as unknown as Hit;
    const caught: ControlResult = { name: 'c', tokens_sent: 1, hits: [hit], server_view: null };
    const missed: ControlResult = { ...caught, hits: [] };
    const base = { tokensSent: 4, decoyHits: [], serverView: sv };
    assert.equal(auditSelfExitCode(buildSelfReport({ ...base, hits: [], controls: [caught] })), 0);
    assert.equal(auditSelfExitCode(buildSelfReport({ ...base, hits: [hit], controls: [caught] })), 1);
    assert.equal(auditSelfExitCode(buildSelfReport({ ...base, hits: [], controls: [missed] })), 8);
    const atRest = buildSelfReport({ ...base, serverView: { needles: 3, found: 1 }, hits: [], controls: [] });
    assert.equal(auditSelfExitCode(atRest), 1);
  });

  void it('rejects bad --count, --wait and --server as usage errors (exit 2)', async () => {
    for (const args of [
      ['--count', '0'],
      ['--wait', 'soon'],
      ['--server', 'ftp://relay.example'],
    ]) {
      assert.equal(await runCli(['audit', 'self', ...args], fakeIO(), COMMANDS), 2, args.join(' '));
    }
  });
});
