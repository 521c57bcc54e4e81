// The browser's text forms of device linking (src/ui/link-code.ts) are the CLI's: base64url without
// padding, whitespace ignored, strict decoding; SHA-256 fingerprints in groups of 4 hex digits. Checked
// here against Node's own base64url and SHA-256, which the CLI uses.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { codeText, identityFingerprint, parseCode, requestFingerprint } from '../src/ui/link-code.js';
import { nodeFingerprint } from './helpers/node-fingerprint.js';

void describe('link codes as text', () => {
  void it('encodes like Buffer base64url and decodes every length back, ignoring whitespace', () => {
    for (let n = 0; n <= 70; n++) {
      const bytes = new Uint8Array(randomBytes(n));
      const text = codeText(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64url'));
      if (n === 0) continue;
      const wrapped = ` ${text.replace(/(.{7})/g, '$1\n\t')} `;
      const parsed = parseCode(wrapped, 'link code', 1, 100);
      assert.ok(parsed.ok, `length ${n}`);
      assert.deepEqual(parsed.bytes, bytes);
    }
  });

  void it('refuses what the CLI refuses, with the reason', () => {
    const text = codeText(new Uint8Array(randomBytes(33)));
    const why = (input: string) => {
      const r = parseCode(input, 'link request', 33, 33);
      return r.ok ? 'accepted' : r.error;
    };
    assert.equal(why('  \n '), 'Invalid link request: it is empty.');
    assert.match(why(text + '='), /characters a code never has/);
    assert.match(why(text.replace(/^./, '+')), /characters a code never has/);
    assert.match(why(text.slice(0, -1)), /cut short or has extra characters/);
    assert.match(why(text + 'A'), /cut short or has extra characters/);
    assert.match(why(text + 'AAAA'), /cut short or has extra characters/);
    // 32 bytes are 43 characters with 2 bits to spare: a last character that sets them is refused
    // (atob, like Node's decoder, would silently drop them).
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const short = codeText(new Uint8Array(randomBytes(32)));
    const loose = short.slice(0, -1) + ALPHABET[ALPHABET.indexOf(short.at(-1)!) | 1];
    assert.ok(parseCode(short, 'link code', 1, 100).ok);
    const r = parseCode(loose, 'link code', 1, 100);
    assert.equal(r.ok ? 'accepted' : r.error, 'Invalid link code: it is cut short or has extra characters.');
  });

  void it('fingerprints are the CLI’s: 16 hex digits of a request, 32 of an identity key', async () => {
    for (let i = 0; i < 20; i++) {
      const request = new Uint8Array(randomBytes(33));
      assert.equal(await requestFingerprint(request), nodeFingerprint(request, 16));
      assert.equal(await identityFingerprint(request), nodeFingerprint(request, 32));
    }
    assert.match(await requestFingerprint(new Uint8Array(33)), /^[0-9a-f]{4}( [0-9a-f]{4}){3}$/);
  });
});
