import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromBase64Url, toBase64Url } from '../src/base64url.js';

void describe('base64url', () => {
  void it('round-trips any bytes, without padding or +/ characters', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        const s = toBase64Url(b);
        assert.match(s, /^[A-Za-z0-9_-]*$/);
        assert.deepEqual(fromBase64Url(s), b);
      }),
    );
  });

  void it('accepts exactly one text per byte string (RFC 4648 test vectors, stray bits refused)', () => {
    assert.equal(toBase64Url(new TextEncoder().encode('foobar')), 'Zm9vYmFy');
    assert.equal(toBase64Url(Uint8Array.of(0xfb, 0xff)), '-_8');
    assert.deepEqual(fromBase64Url('-_8'), Uint8Array.of(0xfb, 0xff));
    for (const bad of ['-_9', 'Zh', 'Zg=', 'Zg==', 'Z', 'a+b/', 'ab cd', 'Zm9v\n']) {
      assert.equal(fromBase64Url(bad), undefined, JSON.stringify(bad));
    }
  });
});
