// The text forms of device linking (src/link-text.ts), which the CLI and the web client both use:
// base64url without padding, whitespace ignored, strict decoding; SHA-256 fingerprints in groups of 4
// hex digits. Checked against Node's own base64url and SHA-256.
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { identityFingerprint, linkText, parseLinkText, requestFingerprint } from '../src/link-text.js';

const nodeFingerprint = (b: Uint8Array, digits: number): string =>
  createHash('sha256')
    .update(b)
    .digest('hex')
    .slice(0, digits)
    .replace(/(.{4})(?=.)/g, '$1 ');

void describe('link codes as text', () => {
  void it('encodes like Buffer base64url and decodes every length back, ignoring whitespace', () => {
    for (let n = 0; n <= 70; n++) {
      const bytes = new Uint8Array(randomBytes(n));
      const text = linkText(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64url'));
      if (n === 0) continue;
      const wrapped = ` ${text.replace(/(.{7})/g, '$1\n\t')} `;
      const parsed = parseLinkText(wrapped, 1, 100);
      assert.ok(parsed.ok, `length ${n}`);
      assert.deepEqual(parsed.bytes, bytes);
    }
  });

  void it('refuses empty, foreign, padded, cut, extended and non-canonical codes, with the reason', () => {
    const text = linkText(new Uint8Array(randomBytes(33)));
    const why = (input: string) => {
      const r = parseLinkText(input, 33, 33);
      return r.ok ? 'accepted' : r.reason;
    };
    assert.equal(why(text), 'accepted');
    assert.equal(why('  \n '), 'it is empty');
    assert.equal(why(text + '='), 'it has characters a code never has (paste it whole)');
    assert.equal(why(text.replace(/^./, '+')), 'it has characters a code never has (paste it whole)');
    assert.equal(why(text.slice(0, -1)), 'it is cut short or has extra characters');
    assert.equal(why(text + 'A'), 'it is cut short or has extra characters');
    assert.equal(why(text + 'AAAA'), 'it is cut short or has extra characters');
    // 32 bytes are 43 characters with 2 bits to spare: a last character that sets them is refused
    // (atob, like Node's decoder, would silently drop them).
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const short = linkText(new Uint8Array(randomBytes(32)));
    const loose = short.slice(0, -1) + ALPHABET[ALPHABET.indexOf(short.at(-1)!) | 1];
    assert.ok(parseLinkText(short, 1, 100).ok);
    assert.deepEqual(parseLinkText(loose, 1, 100), {
      ok: false,
      reason: 'it is cut short or has extra characters',
    });
  });

  void it('fingerprints: 16 hex digits of SHA-256 for a request, 32 for an identity key, in groups of 4', () => {
    for (let i = 0; i < 20; i++) {
      const request = new Uint8Array(randomBytes(33));
      assert.equal(requestFingerprint(request), nodeFingerprint(request, 16));
      assert.equal(identityFingerprint(request), nodeFingerprint(request, 32));
    }
    assert.match(requestFingerprint(new Uint8Array(33)), /^[0-9a-f]{4}( [0-9a-f]{4}){3}$/);
    assert.match(identityFingerprint(new Uint8Array(33)), /^[0-9a-f]{4}( [0-9a-f]{4}){7}$/);
  });
});
