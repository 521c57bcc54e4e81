// The relay's static-file serving (config.webRoot): security headers on every file, no directory
// listing, and every way out of the root refused.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createStaticHandler, resolveStaticPath } from '../src/http/static-files.js';
import { startTestRelay, type TestRelay } from './helpers/harness.js';

/** GET with the path sent exactly as written (fetch would normalise `..` away). */
function rawGet(
  url: string,
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

void describe('static files (webRoot)', () => {
  let dir: string;
  let root: string;
  let t: TestRelay;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sotto-static-'));
    root = join(dir, 'dist');
    mkdirSync(join(root, 'assets'), { recursive: true });
    mkdirSync(join(root, 'empty-dir'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(root, 'assets', 'app-1234.js'), 'console.log(1)');
    writeFileSync(join(root, '.env'), 'SECRET=dotfile');
    writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET outside the root');
    symlinkSync(join(dir, 'secret.txt'), join(root, 'link.txt'));
    t = await startTestRelay({ webRoot: root });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('serves index.html at / with the strict security headers', async () => {
    const res = await fetch(`${t.url}/`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '<!doctype html><title>app</title>');
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    const host = new URL(t.url).host;
    assert.equal(
      res.headers.get('content-security-policy'),
      `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws://${host} wss://${host}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-dns-prefetch-control'), 'off');
    assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(res.headers.get('cross-origin-resource-policy'), 'same-origin');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
  });

  void it('serves hashed assets as immutable JavaScript, and HEAD without a body', async () => {
    const res = await fetch(`${t.url}/assets/app-1234.js`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(res.headers.get('cache-control') ?? '', /immutable/);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const head = await rawGet(t.url, '/assets/app-1234.js', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  void it('never lists a directory', async () => {
    for (const p of ['/assets', '/assets/', '/empty-dir/']) {
      const res = await rawGet(t.url, p);
      assert.equal(res.status, 404, p);
      assert.doesNotMatch(res.body, /app-1234/);
    }
  });

  void it('refuses path traversal, encoded separators, dotfiles and symlinks out of the root', async () => {
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/index.html%00.js',
      '/%',
      '/.env',
      '/link.txt',
    ];
    for (const p of attempts) {
      const res = await rawGet(t.url, p);
      assert.notEqual(res.status, 200, p);
      assert.doesNotMatch(res.body, /TOP SECRET|SECRET=dotfile/, p);
    }
  });

  void it('still answers the API and 404s unknown files', async () => {
    assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${t.url}/missing.js`)).status, 404);
  });

  void it('a root that cannot be resolved answers "not served" and leaves no rejection unhandled', async () => {
    // Unit: both lookups fail (root and file); the file's failure used to leave the root's unawaited.
    const stray: unknown[] = [];
    const onStray = (err: unknown) => void stray.push(err);
    process.on('unhandledRejection', onStray);
    try {
      const serve = createStaticHandler(join(dir, 'no-such-root'));
      const req = { url: '/missing.js', method: 'GET', headers: {} } as IncomingMessage;
      for (let i = 0; i < 3; i++) assert.equal(await serve(req, {} as ServerResponse), false);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(stray, []);
    } finally {
      process.off('unhandledRejection', onStray);
    }
  });

  void it('resolveStaticPath keeps every accepted path inside the root (unit)', () => {
    assert.equal(resolveStaticPath('/srv/web', '/'), '/srv/web/index.html');
    assert.equal(resolveStaticPath('/srv/web', '/assets/a.js'), '/srv/web/assets/a.js');
    assert.equal(resolveStaticPath('/srv/web', '/a/%2e%2e/%2e%2e/etc/passwd'), undefined);
    assert.equal(resolveStaticPath('/srv/web', '/a\\..\\b'), undefined);
  });
});
