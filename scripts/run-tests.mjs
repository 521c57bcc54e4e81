#!/usr/bin/env node
// Runs test files with node's own test runner (via tsx), so CI reads one summary.
// Usage: run-tests.mjs all | unit | pkg NAME | suite NAME   (suite = files named *.NAME.test.ts)
// Suites with a special name (browser, hostile, scale, crash) are tagged by their file name:
//   foo.browser.test.ts, bar.hostile.test.ts, ...
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [mode = 'all', arg] = process.argv.slice(2);

function walk(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out = out.concat(walk(full));
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const packagesDir = join(root, 'packages');
const pkgs = mode === 'pkg' ? [arg] : readdirSync(packagesDir);
let files = pkgs.flatMap((p) => walk(join(packagesDir, p, 'test')));
const SPECIAL = ['browser', 'hostile', 'scale'];
const suiteOf = (f) => {
  const m = /\.([a-z]+)\.test\.ts$/.exec(f);
  return m && SPECIAL.includes(m[1]) ? m[1] : 'unit';
};
if (mode === 'unit') files = files.filter((f) => suiteOf(f) === 'unit');
if (mode === 'suite') files = files.filter((f) => suiteOf(f) === arg);
files.sort();
if (files.length === 0) {
  console.error(`no test files for ${mode} ${arg ?? ''}`);
  process.exit(1);
}
console.error(`running ${files.length} test files`);
const res = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${process.env.SOTTO_TEST_CONCURRENCY ?? '2'}`,
    // A hung test must fail, not stall CI: no single test may run longer than this.
    `--test-timeout=${process.env.SOTTO_TEST_TIMEOUT_MS ?? '420000'}`,
    ...files.map((f) => relative(root, f)),
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(res.status ?? 1);
