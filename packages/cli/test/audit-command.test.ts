import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../src/program.js';
import { COMMANDS } from '../src/registry.js';
import { fakeIO } from './fake-io.js';

void describe('sotto audit', () => {
  void it('tokens prints fresh links, report shows them untouched and defanged', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-cli-audit-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const io = fakeIO();
    const code = await runCli(
      ['audit', 'tokens', '--count', '3', '--base', 'http://127.0.0.1:9', '--dir', dir],
      io,
      COMMANDS,
    );
    assert.equal(code, 0);
    const links = io.out.trim().split('\n');
    assert.equal(links.length, 3);
    for (const l of links) assert.match(l, /^http:\/\/127\.0\.0\.1:9\/\S*[a-z2-7]{36}/);
    assert.match(io.err, /Never open them yourself/);
    const rep = fakeIO();
    assert.equal(await runCli(['--json', 'audit', 'report', '--dir', dir], rep, COMMANDS), 0);
    const parsed = JSON.parse(rep.out) as { tokens: { url: string; hits: unknown[]; decoy: boolean }[] };
    assert.equal(parsed.tokens.filter((x) => !x.decoy).length, 3);
    assert.ok(parsed.tokens.every((x) => x.hits.length === 0 && x.url.startsWith('hxxp://')));
    assert.doesNotMatch(rep.out, /http:\/\//);
  });

  void it('rejects a bad --base and --count as usage errors', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-cli-audit-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    assert.equal(await runCli(['audit', 'tokens', '--base', 'ftp://x', '--dir', dir], fakeIO(), COMMANDS), 2);
    assert.equal(
      await runCli(
        ['audit', 'tokens', '--base', 'http://x', '--count', '0', '--dir', dir],
        fakeIO(),
        COMMANDS,
      ),
      2,
    );
  });

  void it('rejects a bad --base as a usage error even with --decoys 0, before writing anything', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-cli-audit-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    for (const base of ['not a url', 'ftp://x']) {
      const io = fakeIO();
      const args = ['audit', 'tokens', '--base', base, '--decoys', '0', '--dir', join(dir, 'a')];
      assert.equal(await runCli(args, io, COMMANDS), 2, base);
      assert.match(io.err, /invalid --base/);
    }
    assert.ok(!existsSync(join(dir, 'a')), 'no audit directory created');
  });

  void it('report on a directory with no audit is not found, and creates nothing there', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-cli-audit-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const typo = join(dir, 'audti');
    const io = fakeIO();
    assert.equal(await runCli(['audit', 'report', '--dir', typo], io, COMMANDS), 5);
    assert.match(io.err, /no audit in/);
    assert.ok(!existsSync(typo), 'no directory created');
  });

  void it('server-view reports a missing data directory as not found', async () => {
    const io = fakeIO();
    assert.equal(await runCli(['audit', 'server-view', '--data', '/nonexistent/sotto-x'], io, COMMANDS), 5);
  });

  void it('self --help says its --dir defaults to a removed temp dir and SOTTO_AUDIT_DIR is not read', async () => {
    const help = async (args: string[]) => {
      const io = fakeIO();
      assert.equal(await runCli(args, io, COMMANDS), 0);
      return io.out.replace(/\s+/g, ' ');
    };
    const self = await help(['audit', 'self', '--help']);
    const dirText = /--dir <dir> (.*?) -h, --help/.exec(self)?.[1] ?? '';
    assert.match(dirText, /default: a temp dir removed afterwards/);
    assert.match(dirText, /SOTTO_AUDIT_DIR is not read/);
    assert.doesNotMatch(dirText, /env SOTTO_AUDIT_DIR|default \.\/sotto-audit/, 'no second default');
    // The commands that do read it still say so.
    assert.match(await help(['audit', 'tokens', '--help']), /env SOTTO_AUDIT_DIR, default \.\/sotto-audit/);
  });
});
