import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  extractLinks,
  registrableDomain,
  revealInvisible,
  segmentText,
  type LinkSegment,
} from '@sotto/client';

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

/** Where a browser would go for a link's text: the WHATWG URL parser's host (the oracle). */
const browserHost = (text: string): string =>
  new URL(/^www\./i.test(text) ? `http://${text}` : text).hostname.toLowerCase().replace(/\.$/, '');
const asciiOf = (domain: string): string => new URL(`http://${domain}/`).hostname.replace(/\.$/, '');

void describe('links written to look like another site', () => {
  void it('reads a link across a zero-width space, highlights where it goes and flags it', () => {
    const l = only('see https://paypal.com\u200b.secure-login.net/account now');
    assert.equal(l.text, 'https://paypal.com\u200b.secure-login.net/account');
    assert.equal(l.asciiHost, 'paypal.com.secure-login.net');
    assert.equal(l.registrableDomain, 'secure-login.net');
    assert.equal(l.domainAt, undefined, 'not highlighted in place');
    assert.ok(l.warnings.includes('disguised'));
    assert.ok(l.warnings.includes('invisible'));
    assert.equal(only('https://paypal.com\ufeff.evil.com/').asciiHost, 'paypal.com.evil.com');
  });

  void it('decides the host as the URL parser does: percent-encoded and fullwidth dots, numeric IPs', () => {
    for (const [text, host, domain] of [
      ['https://paypal.com%2e%65%76%69%6c%2e%63%6f%6d/login', 'paypal.com.evil.com', 'evil.com'],
      ['https://www.paypal.com%2eevil.com/', 'www.paypal.com.evil.com', 'evil.com'],
      ['https://paypal.com\uff0eevil.com/', 'paypal.com.evil.com', 'evil.com'],
      ['https://paypal.com\u3002evil.com/', 'paypal.com.evil.com', 'evil.com'],
      ['http://0x7f.1/admin', '127.0.0.1', '127.0.0.1'],
    ] as const) {
      const l = only(text);
      assert.equal(l.asciiHost, host, text);
      assert.equal(l.registrableDomain, domain, text);
      assert.equal(l.domainAt, undefined, text);
      assert.ok(l.warnings.includes('disguised'), text);
    }
  });

  void it('highlights the domain at its place in the text, even after characters that lower-case longer', () => {
    const text =
      'https://\u0130\u0130\u0130\u0130\u0130\u0130\u0130\u0130\u0130\u0130\u0130@evil12.com/paypal.com';
    const l = only(text);
    assert.equal(l.registrableDomain, 'evil12.com');
    assert.deepEqual(l.domainAt, [text.indexOf('evil12.com'), text.indexOf('evil12.com') + 10]);
    assert.ok(l.warnings.includes('userinfo'));
    const idn = 'https://\u0130stanbul.example.com/'; // a host that lower-cases longer
    const m = only(idn);
    assert.equal(idn.slice(...m.domainAt!), 'example.com');
    assert.ok(!m.warnings.includes('disguised'));
  });

  void it('finds http and https links written with one, three or no slashes, as browsers accept them', () => {
    for (const text of [
      'https:///paypal.com.evil.com/login',
      'https:paypal.com.evil.com/login',
      'http:/paypal.com.evil.com',
    ]) {
      const l = only(`go ${text} now`);
      assert.equal(l.text, text);
      assert.equal(l.asciiHost, 'paypal.com.evil.com');
      assert.equal(l.registrableDomain, 'evil.com');
      assert.equal(text.slice(...l.domainAt!), 'evil.com');
    }
    assert.deepEqual(extractLinks('the http: scheme and https: too'), []);
  });

  void it('plain links are not flagged; a trailing invisible character is not part of the link', () => {
    const l = only('https://Shop.Example.co.uk/a?b#c');
    assert.deepEqual(l.warnings, []);
    assert.equal(l.text.slice(...l.domainAt!), 'Example.co.uk');
    assert.equal(only('https://example.com/x\u200b').text, 'https://example.com/x');
  });

  void it('spells out invisible and direction-changing characters', () => {
    assert.equal(revealInvisible('a\u200bb\u202ec\u00ad'), 'a⟨U+200B⟩b⟨U+202E⟩c⟨U+00AD⟩');
    assert.equal(revealInvisible('plain text, ünïcödé'), 'plain text, ünïcödé');
    assert.ok(only('https://evil.com/\u202emoc.lapyap').warnings.includes('invisible'));
  });

  void it('always highlights a domain of the host the URL parser goes to (property)', () => {
    // Text made of pieces that have fooled highlighters: encoded and fullwidth dots, invisible
    // characters, user-info, a letter that lower-cases longer, scheme variants.
    const piece = fc.constantFrom(
      'https://',
      'http:',
      'https:///',
      'www.',
      'paypal',
      '.',
      '.com',
      'evil',
      '-',
      '@',
      '/',
      '%2e',
      '%2E',
      '%65',
      '\u200b',
      '\ufeff',
      '\u00ad',
      '\uff0e',
      '\u3002',
      '\u0130',
      '\u0430',
      'xn--',
      ':8080',
      ' ',
      '?',
      '#',
      'co.uk',
      '0x7f',
      '1',
      '[::1]',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
        const text = pieces.join('');
        const segs = segmentText(text);
        assert.equal(segs.map((x) => x.text).join(''), text);
        for (const l of segs.filter((x): x is LinkSegment => x.kind === 'link')) {
          // Other schemes (`paypalhttps://…`) have opaque hosts a browser does not open as a site.
          if (l.scheme !== 'http' && l.scheme !== 'https') continue;
          const goes = browserHost(l.text);
          assert.equal(l.asciiHost.toLowerCase().replace(/\.$/, ''), goes, l.text);
          const shown = asciiOf(l.registrableDomain).toLowerCase();
          assert.ok(
            goes === shown || goes.endsWith(`.${shown}`),
            `${l.text}: ${shown} is not where it goes (${goes})`,
          );
          if (l.domainAt !== undefined) {
            assert.equal(l.text.slice(...l.domainAt).toLowerCase(), l.registrableDomain, l.text);
          } else {
            assert.ok(l.warnings.includes('disguised'), l.text);
          }
        }
      }),
      { numRuns: 3000 },
    );
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
