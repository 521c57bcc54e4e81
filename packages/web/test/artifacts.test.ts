// The browser suite's screenshots are test artifacts: written under test-artifacts/web/, ignored
// by git, never committed.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ARTIFACTS } from './helpers/browser.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

void describe('browser test artifacts', () => {
  void it('screenshots go under test-artifacts/, which the root .gitignore ignores', () => {
    assert.equal(relative(ROOT, ARTIFACTS), join('test-artifacts', 'web'));
    const rules = readFileSync(join(ROOT, '.gitignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    assert.ok(rules.includes('test-artifacts/'), '.gitignore lists test-artifacts/');
  });

  void it('no file under test-artifacts/ is tracked by git', () => {
    const r = spawnSync('git', ['ls-files', '--', 'test-artifacts'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
  });
});
