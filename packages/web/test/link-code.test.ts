// The page's device-link text forms (src/ui/link-code.ts) are @sotto/client's, shared with the CLI
// (the codec and fingerprints are tested there, client/test/link-text.test.ts); here, the page's
// wording of a refusal and the fingerprints it shows, against Node's SHA-256.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { codeText, identityFingerprint, parseCode, requestFingerprint } from '../src/ui/link-code.js';
import { nodeFingerprint } from './helpers/node-fingerprint.js';

void describe('link codes as text on the page', () => {
  void it('reads a pasted code back and words a refusal with what was pasted and why', () => {
    const bytes = new Uint8Array(randomBytes(33));
    const parsed = parseCode(` ${codeText(bytes)}\n`, 'link request', 33, 33);
    assert.deepEqual(parsed, { ok: true, bytes });
    const why = (input: string, what: string) => {
      const r = parseCode(input, what, 33, 33);
      return r.ok ? 'accepted' : r.error;
    };
    assert.equal(why('  \n ', 'link request'), 'Invalid link request: it is empty.');
    assert.equal(why('abc', 'link code'), 'Invalid link code: it is cut short or has extra characters.');
  });

  void it('shows the CLI’s fingerprints: 16 hex digits of a request, 32 of an identity key', () => {
    const key = new Uint8Array(randomBytes(33));
    assert.equal(requestFingerprint(key), nodeFingerprint(key, 16));
    assert.equal(identityFingerprint(key), nodeFingerprint(key, 32));
  });
});
