// The production build: strict-CSP friendly HTML, no Node built-ins in the bundle, and a content
// hash that is deterministic and changes with any served byte.
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { contentHash } from '../scripts/content-hash.mjs';
import { DIST, ensureBuilt } from './helpers/browser.js';

void describe('web build output', () => {
  ensureBuilt();
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const js = readdirSync(join(DIST, 'assets'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(DIST, 'assets', f), 'utf8'));

  void it('has no inline script, inline style or event-handler attribute, and loads only /assets/ files', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length >= 1);
    for (const [, attrs, body] of scripts) {
      assert.match(attrs!, /src="\/assets\/[\w.-]+\.js"/);
      assert.equal(body!.trim(), '');
    }
    assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=/i);
    for (const [, url] of html.matchAll(/(?:src|href)="([^"]+)"/g)) assert.match(url!, /^\/assets\//);
  });

  void it('bundles no Node built-ins', () => {
    assert.ok(js.length >= 1);
    for (const code of js) {
      assert.doesNotMatch(code, /["']node:[a-z_/]+["']/);
      assert.doesNotMatch(code, /\brequire\(["'](fs|path|crypto|os|http|net|child_process)["']\)/);
    }
  });

  void it('build-info.json carries the content hash of the other files', () => {
    const info = JSON.parse(readFileSync(join(DIST, 'build-info.json'), 'utf8')) as { sha256: string };
    assert.equal(info.sha256, contentHash(DIST).sha256);
  });

  void it('the content hash is deterministic and changes when any served byte changes', () => {
    const copy = mkdtempSync(join(tmpdir(), 'sotto-dist-'));
    try {
      cpSync(DIST, copy, { recursive: true });
      const h = contentHash(copy).sha256;
      assert.match(h, /^[0-9a-f]{64}$/);
      assert.equal(contentHash(copy).sha256, h);
      writeFileSync(join(copy, 'build-info.json'), '{"sha256":"ignored"}');
      assert.equal(contentHash(copy).sha256, h, 'build-info.json itself is not hashed');
      writeFileSync(join(copy, 'index.html'), html.replace('Sotto', 'Sotto '));
      assert.notEqual(contentHash(copy).sha256, h);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
