import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { extractLinks, registrableDomain, segmentText, type LinkSegment } from '@sotto/client';

const only = (text: string, opts = {}): LinkSegment => {
  const links = extractLinks(text, opts);
  assert.equal(links.length, 1, `expected one link in ${text}`);
  return links[0]!;
};

void describe('segmentText()', () => {
  void it('splits text and links and gives back the input exactly', () => {
    const text = 'see https://example.com/a?b=1, and (www.test.org/x) or http://a.b.example.co.uk/path.';
    const segs = segmentText(text);
    assert.equal(segs.map((s) => s.text).join(''), text);
    assert.deepEqual(
      segs.filter((s) => s.kind === 'link').map((s) => s.text),
      ['https://example.com/a?b=1', 'www.test.org/x', 'http://a.b.example.co.uk/path'],
    );
  });

  void it('keeps a balanced closing parenthesis inside the link', () => {
    assert.equal(
      only('read https://en.wikipedia.org/wiki/Foo_(bar).').text,
      'https://en.wikipedia.org/wiki/Foo_(bar)',
    );
  });

  void it('returns plain text untouched when there are no links (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const segs = segmentText(s);
        assert.equal(segs.map((x) => x.text).join(''), s);
      }),
    );
  });
});

void describe('link analysis', () => {
  void it('highlights the registrable domain', () => {
    assert.equal(only('https://login.accounts.example.com/x').registrableDomain, 'example.com');
    assert.equal(only('https://shop.example.co.uk/').registrableDomain, 'example.co.uk');
    assert.equal(registrableDomain('localhost'), 'localhost');
  });

  void it('flags userinfo tricks and names the real host', () => {
    const l = only('https://bank.com@evil.example/login');
    assert.equal(l.host, 'evil.example');
    assert.equal(l.registrableDomain, 'evil.example');
    assert.equal(l.userinfo, 'bank.com');
    assert.ok(l.warnings.includes('userinfo'));
    assert.deepEqual(only('https://example.com/a@b').warnings, []);
  });

  void it('flags punycode, non-ASCII and mixed-script homographs', () => {
    assert.ok(only('https://xn--pple-43d.com/').warnings.includes('punycode'));
    const cyr = only('https://p\u0430ypal.com/signin'); // Cyrillic а
    assert.ok(cyr.warnings.includes('non-ascii'));
    assert.ok(cyr.warnings.includes('mixed-script'));
    assert.ok(cyr.warnings.includes('punycode'), 'ASCII form is punycode');
    assert.match(cyr.asciiHost, /^xn--/);
    assert.deepEqual(only('https://paypal.com/').warnings, []);
  });

  void it('flags IP hosts and non-http schemes', () => {
    assert.ok(only('http://192.168.0.1/admin').warnings.includes('ip-address'));
    assert.ok(only('ftp://files.example.com/x').warnings.includes('not-http'));
  });

  void it('checks the bundled and the user blocklist offline, including subdomains', () => {
    assert.ok(only('https://testsafebrowsing.appspot.com/s/phishing.html').warnings.includes('known-bad'));
    assert.ok(!only('https://fine.example.net/').warnings.includes('known-bad'));
    const opts = { blocklist: ['fine.example.net'] };
    assert.ok(only('https://fine.example.net/', opts).warnings.includes('known-bad'));
    assert.ok(only('https://a.b.fine.example.net/', opts).warnings.includes('known-bad'));
    assert.ok(!only('https://notfine.example.net/', opts).warnings.includes('known-bad'));
  });
});

void describe('no network access', () => {
  const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
  const NETWORK =
    /\bfetch\s*\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon|new\s+Image\s*\(|\bimport\s*\(|node:(?:http|https|net|dns|tls|dgram)/;

  /** links.ts and every module it imports (transitively) inside packages/client/src. */
  function linkModuleClosure(): string[] {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/from\s+'(\.[^']+)'/g)) {
        visit(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
      }
    };
    visit(join(src, 'links.ts'));
    return [...seen];
  }

  void it('the link module and its imports never reference fetch, XHR, WebSocket or dynamic import', () => {
    const files = linkModuleClosure();
    assert.ok(files.length >= 2);
    for (const f of files) assert.doesNotMatch(readFileSync(f, 'utf8'), NETWORK, f);
  });

  void it('the scan itself would catch a reference (positive control)', () => {
    assert.match('const r = await fetch(url);', NETWORK);
    assert.match('new WebSocket(u)', NETWORK);
  });

  void it('the storage, address, base64url and QR modules have no network references either', () => {
    const dirs = ['storage', 'node'];
    const files = [
      ...dirs.flatMap((d) => readdirSync(join(src, d)).map((f) => join(src, d, f))),
      join(src, 'address.ts'),
      join(src, 'base64url.ts'),
      join(src, 'qr.ts'),
      join(src, 'links.ts'),
    ];
    for (const f of files) assert.doesNotMatch(readFileSync(f, 'utf8'), NETWORK, f);
  });
});
