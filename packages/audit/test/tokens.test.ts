import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TOKEN_LENGTH, findTokens, makeToken, newRunId, tokenUrl, verifyToken } from '../src/index.js';
import { KEY, OTHER_KEY } from './helpers.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

void describe('canary tokens', () => {
  void it('are 36 lower-case base32 characters that verify back to their run and slot', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 5, maxLength: 5 }),
        fc.integer({ min: 0, max: 1023 }),
        (r, slot) => {
          const run = newRunId(() => r);
          const token = makeToken(KEY, run, slot);
          assert.equal(token.length, TOKEN_LENGTH);
          assert.match(token, /^[a-z2-7]{36}$/);
          assert.deepEqual(verifyToken(KEY, token), { run, slot });
          assert.deepEqual(verifyToken(KEY, token.toUpperCase()), { run, slot });
        },
      ),
    );
  });

  void it('rejects any token with one character altered (forgery)', () => {
    const run = newRunId();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1023 }),
        fc.integer({ min: 0, max: 35 }),
        fc.integer({ min: 1, max: 31 }),
        (slot, pos, delta) => {
          const token = makeToken(KEY, run, slot);
          const ch = ALPHABET[(ALPHABET.indexOf(token[pos] ?? 'a') + delta) % 32] ?? 'a';
          const forged = token.slice(0, pos) + ch + token.slice(pos + 1);
          assert.equal(verifyToken(KEY, forged), undefined);
        },
      ),
    );
  });

  void it('rejects tokens made with another key, and wrong lengths', () => {
    const run = newRunId();
    const token = makeToken(OTHER_KEY, run, 3);
    assert.equal(verifyToken(KEY, token), undefined);
    assert.equal(verifyToken(KEY, makeToken(KEY, run, 3).slice(1)), undefined);
    assert.equal(verifyToken(KEY, ''), undefined);
  });

  void it('differ per slot and per run', () => {
    const run = newRunId();
    const all = new Set([0, 1, 2, 3].map((s) => makeToken(KEY, run, s)));
    all.add(makeToken(KEY, newRunId(), 0));
    assert.equal(all.size, 5);
  });

  void it('refuse out-of-range slots and short keys', () => {
    assert.throws(() => makeToken(KEY, newRunId(), 1024), { code: 'BadToken' });
    assert.throws(() => makeToken(new Uint8Array(16), newRunId(), 0), { code: 'BadKey' });
  });

  void it('build URLs in the article query form and a neutral path form', () => {
    const token = makeToken(KEY, newRunId(), 0);
    const q = tokenUrl('http://127.0.0.1:8080', token, 'query');
    assert.equal(q, `http://127.0.0.1:8080/index.html?test_never_clicked=${token}`);
    for (let v = 0; v < 5; v++) {
      const p = new URL(tokenUrl('https://example.org/base/', token, 'path', v));
      assert.ok(p.pathname.startsWith('/base/'));
      assert.ok(p.pathname.includes(token));
      assert.doesNotMatch(p.pathname, /canary|test/i);
    }
    assert.throws(() => tokenUrl('ftp://x', token, 'query'), { code: 'BadOption' });
  });

  void it('are found inside request targets, and only when valid', () => {
    const run = newRunId();
    const a = makeToken(KEY, run, 1);
    const b = makeToken(KEY, run, 2);
    const forged = makeToken(OTHER_KEY, run, 3);
    assert.deepEqual(
      findTokens(KEY, `/news/${a}.html?x=${forged}&y=${b.toUpperCase()}`).sort(),
      [a, b].sort(),
    );
    assert.deepEqual(findTokens(KEY, `/news/x${a}`), []);
    const encoded = [...a].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
    assert.deepEqual(findTokens(KEY, `/news/${encoded}.html`), [a]);
    assert.deepEqual(findTokens(KEY, `/news/%zz/${a}`), [a]);
    // Each escape is decoded on its own: a malformed one elsewhere does not hide an encoded token.
    const first = `%${a.charCodeAt(0).toString(16).toUpperCase()}${a.slice(1)}`;
    assert.deepEqual(findTokens(KEY, `/news/${first}.html?q=100%`), [a]);
    assert.deepEqual(findTokens(KEY, `/news/${encoded}.html?q=%zz&r=%E0%A4%A`), [a]);
  });
});
