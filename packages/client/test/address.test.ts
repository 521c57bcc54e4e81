import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import jsQRModule from 'jsqr';
import { AddressError, formatAddress, parseAddress, qrMatrix, qrSvg, qrTerminal } from '@sotto/client';

// jsqr is CommonJS: at runtime the default import IS the function; its types say `.default`.
const jsQR: typeof jsQRModule.default = typeof jsQRModule === 'function' ? jsQRModule : jsQRModule.default;

const ik = (fill: number): Uint8Array => {
  const k = new Uint8Array(33).fill(fill);
  k[0] = 5;
  return k;
};
const good = {
  accountId: '0f8e4a1c-2b3d-4e5f-8a9b-0c1d2e3f4a5b',
  relayUrl: 'https://relay.example.org/',
  identityKey: ik(0xab),
};
const isMalformed = (e: unknown): boolean => AddressError.is(e, 'MalformedAddress');

const arbUuid = fc.uuid().map((u) => u.toLowerCase());
const arbRelay = fc
  .tuple(
    fc.constantFrom('http', 'https', 'ws', 'wss'),
    fc.domain(),
    fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    fc.array(fc.stringMatching(/^[a-z0-9._~-]{1,8}$/), { maxLength: 3 }),
  )
  .map(([s, host, port, path]) => `${s}://${host}${port === undefined ? '' : `:${port}`}/${path.join('/')}`);
const arbKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Uint8Array.of(5, ...b));

/** Decodes a boolean module matrix with jsQR (scaled up to an RGBA image). */
function decodeMatrix(modules: boolean[][]): string | undefined {
  const scale = 4;
  const n = modules.length * scale;
  const img = new Uint8ClampedArray(n * n * 4);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const dark = modules[Math.floor(y / scale)]![Math.floor(x / scale)]!;
      const o = (y * n + x) * 4;
      img.set(dark ? [0, 0, 0, 255] : [255, 255, 255, 255], o);
    }
  }
  return jsQR(img, n, n)?.data;
}

void describe('formatAddress() / parseAddress()', () => {
  void it('round-trips any valid address (property)', () => {
    fc.assert(
      fc.property(arbUuid, arbRelay, arbKey, (accountId, relay, identityKey) => {
        const text = formatAddress({ accountId, relayUrl: relay, identityKey });
        const back = parseAddress(text);
        assert.equal(back.accountId, accountId);
        assert.deepEqual(back.identityKey, identityKey);
        assert.equal(back.relayUrl, new URL(relay).toString());
        assert.equal(formatAddress(back), text);
      }),
    );
  });

  void it('produces the documented shape', () => {
    const text = formatAddress(good);
    assert.match(
      text,
      /^sotto:0f8e4a1c-2b3d-4e5f-8a9b-0c1d2e3f4a5b\?relay=https%3A%2F%2Frelay\.example\.org%2F&ik=[A-Za-z0-9_-]{44}$/,
    );
    assert.deepEqual(parseAddress(`  ${text}\n`), parseAddress(text));
  });

  void it('rejects malformed addresses with MalformedAddress', () => {
    const text = formatAddress(good);
    const ikPart = text.slice(text.indexOf('&ik=') + 4);
    const bad = [
      '',
      'sotto:',
      text.replace('sotto:', 'SOTTO:'),
      text.replace('sotto:', 'http:'),
      text.replace('0f8e4a1c', '0F8E4A1C'),
      text.replace('0f8e4a1c-', '0f8e4a1c'),
      text.split('?')[0]!,
      `${text}&x=1`,
      `${text}&ik=${ikPart}`,
      text.replace('&ik=', '&key='),
      text.replace(ikPart, ikPart.slice(1)),
      text.replace(ikPart, `A${ikPart.slice(1)}`), // first byte no longer 0x05
      text.replace(ikPart, `${ikPart.slice(0, -1)}!`),
      text.replace('https%3A%2F%2F', 'ftp%3A%2F%2F'),
      text.replace('https%3A%2F%2F', 'https%3A%2F%2Fuser%3Apw%40'),
      text.replace('relay.example.org%2F', 'relay.example.org%2F%3Fq%3D1'),
      text.replace('https%3A', 'https%ZZ'),
      'x'.repeat(5000),
    ];
    for (const b of bad) assert.throws(() => parseAddress(b), isMalformed, b.slice(0, 80));
    assert.throws(() => parseAddress(42 as unknown as string), isMalformed);
  });

  void it('only ever throws MalformedAddress on random input (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        try {
          parseAddress(`sotto:${s}`);
        } catch (e) {
          assert.ok(isMalformed(e));
        }
      }),
    );
  });

  void it('refuses to format invalid fields', () => {
    assert.throws(() => formatAddress({ ...good, accountId: 'alice' }), isMalformed);
    assert.throws(() => formatAddress({ ...good, identityKey: new Uint8Array(32) }), isMalformed);
    assert.throws(() => formatAddress({ ...good, relayUrl: 'javascript:alert(1)' }), isMalformed);
  });
});

void describe('QR rendering', () => {
  const text = formatAddress(good);

  void it('encodes the exact address text (decoded with jsQR)', () => {
    assert.equal(decodeMatrix(qrMatrix(text).modules), text);
  });

  void it('renders the terminal form with half blocks that map back to the same modules', () => {
    const { size, modules } = qrMatrix(text);
    const lines = qrTerminal(text).split('\n');
    assert.equal(lines.length, Math.ceil(size / 2));
    const rebuilt: boolean[][] = [];
    for (const line of lines) {
      const chars = [...line];
      assert.equal(chars.length, size);
      assert.ok(chars.every((c) => '█▀▄ '.includes(c)));
      rebuilt.push(chars.map((c) => c === ' ' || c === '▄')); // dark top half
      rebuilt.push(chars.map((c) => c === ' ' || c === '▀')); // dark bottom half
    }
    assert.deepEqual(rebuilt.slice(0, size), modules);
    assert.equal(decodeMatrix(rebuilt.slice(0, size)), text);
  });

  void it('renders a standalone SVG sized to the matrix', () => {
    const { size } = qrMatrix(text);
    const svg = qrSvg(text);
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.ok(svg.includes(`${size * 8}`));
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.ok(!/<script/i.test(svg));
  });
});
