import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Listener, REQUESTS_FILE, makeToken, newRunId, tokenUrl } from '../src/index.js';
import { KEY, OTHER_KEY, tempDir } from './helpers.js';

const run = promisify(execFile);

async function curl(args: string[]): Promise<string> {
  const { stdout } = await run('curl', ['-s', '-S', '--noproxy', '*', '--max-time', '10', ...args]);
  return stdout;
}

/** Sends raw bytes and returns whatever comes back before the server closes or 2 s pass. */
function raw(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', () => resolve(out));
    s.setTimeout(2000, () => s.destroy());
    s.write(bytes);
  });
}

/** Sends each part as its own write, `gap` ms apart, then ends; returns the answer (as `raw`). */
function rawParts(port: number, parts: string[], gap = 50): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', () => resolve(out));
    s.setTimeout(2000, () => s.destroy());
    void (async () => {
      for (const p of parts) {
        if (s.destroyed) return;
        s.write(p);
        await new Promise((r) => setTimeout(r, gap));
      }
      s.end();
    })();
  });
}

async function start(
  t: Parameters<typeof tempDir>[0],
  extra: Partial<Parameters<typeof Listener.start>[0]> = {},
) {
  const dir = tempDir(t);
  const lines: string[] = [];
  const l = await Listener.start({ dir, key: KEY, onHit: (line) => lines.push(line), ...extra });
  t.after(async () => {
    await l.close();
  });
  return { dir, l, lines };
}

void describe('Listener', () => {
  void it('records fetch requests with method, target, token, address, user agent and raw headers', async (t) => {
    const { l, lines } = await start(t);
    const token = makeToken(KEY, newRunId(), 0);
    const url = tokenUrl(l.baseUrl, token, 'query');
    const res = await fetch(url, {
      headers: { 'User-Agent': 'facebookexternalhit/1.1', 'X-Zeta': '1', 'X-Alpha': '2' },
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('server'), 'httpd');
    assert.equal(res.headers.get('location'), null);
    const [r] = l.hits();
    assert.ok(r);
    assert.equal(r.method, 'GET');
    assert.equal(r.target, `/index.html?test_never_clicked=${token}`);
    assert.deepEqual(r.tokens, [token]);
    assert.equal(r.remote_address, '127.0.0.1');
    assert.ok(r.remote_port > 0);
    assert.equal(r.user_agent, 'facebookexternalhit/1.1');
    const names = r.raw_headers.filter((_, i) => i % 2 === 0);
    assert.ok(
      names.indexOf('X-Zeta') >= 0 && names.indexOf('X-Zeta') < names.indexOf('X-Alpha'),
      'wire order kept',
    );
    assert.equal(lines.length, 1);
    assert.match(
      lines[0] ?? '',
      /^127\.0\.0\.1 - - \[\d\d\/[A-Z][a-z]{2}\/\d{4} \d\d:\d\d:\d\d\] "GET \/index\.html\?test_never_clicked=[a-z2-7]{36} HTTP\/1\.1" 200 -$/,
    );
  });

  void it('records curl requests: HEAD, OPTIONS, odd methods, both URL forms, custom headers', async (t) => {
    const { l } = await start(t);
    const runId = newRunId();
    const tokens = [0, 1, 2, 3].map((s) => makeToken(KEY, runId, s));
    const [t0, t1, t2, t3] = tokens as [string, string, string, string];
    await curl(['-I', '-A', 'SkypeUriPreview Preview/0.5', tokenUrl(l.baseUrl, t0, 'query')]);
    await curl(['-X', 'OPTIONS', tokenUrl(l.baseUrl, t1, 'path')]);
    await curl(['-X', 'PROPFIND', '-H', 'X-Odd: yes', tokenUrl(l.baseUrl, t2, 'path', 3)]);
    await curl(['-X', 'POST', '--data-binary', 'hello', tokenUrl(l.baseUrl, t3, 'query')]);
    const hits = l.hits();
    assert.deepEqual(
      hits.map((h) => [h.method, h.tokens[0]]),
      [
        ['HEAD', t0],
        ['OPTIONS', t1],
        ['PROPFIND', t2],
        ['POST', t3],
      ],
    );
    assert.equal(hits[0]?.user_agent, 'SkypeUriPreview Preview/0.5');
    assert.ok(hits[2]?.raw_headers.includes('X-Odd'));
    assert.equal(hits[3]?.body_bytes, 5);
    const head = await curl(['-s', '-I', tokenUrl(l.baseUrl, t0, 'path')]);
    assert.match(head, /^HTTP\/1\.1 200/);
    assert.match(head, /Cache-Control: no-store/i);
  });

  void it('logs requests without a valid token as noise, including forged and altered tokens', async (t) => {
    const { l, lines, dir } = await start(t);
    const runId = newRunId();
    const good = makeToken(KEY, runId, 5);
    const altered = good.slice(0, 20) + (good[20] === 'a' ? 'b' : 'a') + good.slice(21);
    await fetch(`${l.baseUrl}/favicon.ico`);
    await fetch(`${l.baseUrl}/index.html?test_never_clicked=${makeToken(OTHER_KEY, runId, 5)}`);
    await fetch(`${l.baseUrl}/news/${altered}.html`);
    assert.equal(l.hits().length, 0);
    assert.equal(lines.length, 0);
    assert.equal(l.records().length, 3);
    assert.ok(l.records().every((r) => r.kind === 'noise'));
    assert.equal(readFileSync(join(dir, REQUESTS_FILE), 'utf8').trim().split('\n').length, 3);
  });

  void it('survives malformed requests and oversized headers, logs them, and keeps serving', async (t) => {
    const { l } = await start(t, { maxHeaderSize: 2048 });
    const token = makeToken(KEY, newRunId(), 7);
    const garbage = await raw(
      l.port,
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]),
    );
    assert.match(garbage, /^HTTP\/1\.1 400/);
    const bad = await raw(l.port, `GET /news/${token}.html HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n`);
    assert.match(bad, /^HTTP\/1\.1 400/);
    const big = await raw(l.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`);
    assert.match(big, /^HTTP\/1\.1 431/);
    const odd = await raw(
      l.port,
      `GET /%zz/../\x7f${token} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    assert.match(odd, /^HTTP\/1\.1 (200|400)/);
    const res = await fetch(tokenUrl(l.baseUrl, token, 'query'), { method: 'HEAD' });
    assert.equal(res.status, 200);
    const recs = l.records();
    assert.ok(recs.filter((r) => r.malformed).length >= 3);
    assert.ok(recs.some((r) => r.malformed && r.error === 'HPE_HEADER_OVERFLOW'));
    // The malformed request line still carried a token: it is evidence, recorded as a hit.
    assert.ok(recs.some((r) => r.malformed && r.kind === 'hit' && r.tokens.includes(token)));
    assert.ok(recs.some((r) => !r.malformed && r.method === 'HEAD' && r.tokens.includes(token)));
  });

  void it('finds the token of a malformed request whose request line came in an earlier packet', async (t) => {
    const { l } = await start(t);
    const runId = newRunId();
    const [t0, t1, t2] = [0, 1, 2].map((s) => makeToken(KEY, runId, s)) as [string, string, string];
    const bad = await rawParts(l.port, [
      `GET /news/${t0}.html HTTP/1.1\r\n`,
      'Host: x\r\nBad Header\r\n\r\n',
    ]);
    assert.match(bad, /^HTTP\/1\.1 400/);
    const big = await rawParts(l.port, [
      `GET /news/${t1}.html HTTP/1.1\r\n`,
      `X-A: ${'a'.repeat(20_000)}\r\n\r\n`,
    ]);
    assert.match(big, /^HTTP\/1\.1 431/);
    // No closing blank line, then the client closes.
    await rawParts(l.port, [`GET /news/${t2}.html HTTP/1.1\r\n`, 'Host: x\r\n']);
    for (const token of [t0, t1, t2]) {
      const r = l.records().find((x) => x.tokens.includes(token));
      assert.ok(r, `no record with ${token}`);
      assert.equal(r.kind, 'hit');
      assert.equal(r.malformed, true);
      assert.equal(r.method, 'GET');
      assert.equal(r.target, `/news/${token}.html`);
    }
    // A complete request on a keep-alive socket is not evidence for a later malformed one.
    const t3 = makeToken(KEY, runId, 3);
    await rawParts(l.port, [
      `GET /news/${t3}.html HTTP/1.1\r\nHost: x\r\n\r\n`,
      'GET / HTTP/1.1\r\n',
      'Bad\r\n\r\n',
    ]);
    assert.equal(l.records().filter((x) => x.tokens.includes(t3)).length, 1);
  });

  void it('records CONNECT requests with their target, answers and closes', async (t) => {
    const { l, lines } = await start(t);
    const token = makeToken(KEY, newRunId(), 11);
    const res = await raw(
      l.port,
      `CONNECT ${token}.example:443 HTTP/1.1\r\nHost: ${token}.example:443\r\n\r\n`,
    );
    assert.match(res, /^HTTP\/1\.1 200/);
    const [r] = l.hits();
    assert.equal(r?.method, 'CONNECT');
    assert.equal(r?.target, `${token}.example:443`);
    assert.deepEqual(r?.tokens, [token]);
    assert.equal(r?.malformed, false);
    assert.equal(lines.length, 1);
    const after = await fetch(`${l.baseUrl}/robots.txt`);
    assert.equal(after.status, 200);
  });

  void it('caps bodies and still answers the same way', async (t) => {
    const { l } = await start(t, { maxBodyBytes: 1000 });
    const token = makeToken(KEY, newRunId(), 8);
    const res = await fetch(tokenUrl(l.baseUrl, token, 'path'), {
      method: 'PUT',
      body: 'x'.repeat(100_000),
    }).catch(() => undefined);
    if (res) assert.equal(res.status, 200);
    const [r] = l.hits();
    assert.equal(r?.body_truncated, true);
  });

  void it('keeps its log across a restart', async (t) => {
    const dir = tempDir(t);
    const token = makeToken(KEY, newRunId(), 9);
    const first = await Listener.start({ dir, key: KEY });
    await fetch(tokenUrl(first.baseUrl, token, 'query'), { method: 'HEAD' });
    await fetch(`${first.baseUrl}/robots.txt`);
    await first.close();
    const second = await Listener.start({ dir, key: KEY });
    t.after(async () => {
      await second.close();
    });
    assert.equal(second.records().length, 2);
    assert.equal(second.hits().length, 1);
    await fetch(tokenUrl(second.baseUrl, token, 'path'));
    assert.equal(second.hits().length, 2);
    assert.equal(second.badLines, 0);
  });

  void it('believes X-Forwarded-For only from configured proxies, and stores both addresses', async (t) => {
    const token = makeToken(KEY, newRunId(), 10);
    const { l: untrusted } = await start(t);
    await fetch(tokenUrl(untrusted.baseUrl, token, 'query'), {
      headers: { 'X-Forwarded-For': '203.0.113.9' },
    });
    assert.equal(untrusted.hits()[0]?.client_address, '127.0.0.1');
    assert.equal(untrusted.hits()[0]?.forwarded_for, '203.0.113.9');
    const { l: trusted } = await start(t, { trustedProxies: ['127.0.0.1'] });
    await fetch(tokenUrl(trusted.baseUrl, token, 'query'), {
      headers: { 'X-Forwarded-For': '203.0.113.9, 127.0.0.1' },
    });
    assert.equal(trusted.hits()[0]?.client_address, '203.0.113.9');
    assert.equal(trusted.hits()[0]?.remote_address, '127.0.0.1');
  });

  void it('matches trusted proxies across IPv4-mapped IPv6 forms (dual-stack listeners)', async (t) => {
    const token = makeToken(KEY, newRunId(), 12);
    const { l } = await start(t, { trustedProxies: ['::ffff:127.0.0.1', '10.0.0.7'] });
    await fetch(tokenUrl(l.baseUrl, token, 'query'), {
      headers: { 'X-Forwarded-For': '203.0.113.9, ::FFFF:10.0.0.7' },
    });
    assert.equal(l.hits()[0]?.remote_address, '127.0.0.1');
    assert.equal(l.hits()[0]?.client_address, '203.0.113.9');
  });
});
