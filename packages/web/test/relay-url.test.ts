// The relay URL rule of the web client: only the page's own origin (see src/ui/relay-url.ts).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { checkRelayUrl, OTHER_RELAY_TEXT } from '../src/ui/relay-url.js';

const ORIGIN = 'https://relay.example:8443';

void describe('checkRelayUrl (web setup)', () => {
  void it('accepts the page origin, with or without a trailing slash or surrounding spaces', () => {
    for (const input of [ORIGIN, `${ORIGIN}/`, `  ${ORIGIN}  `, 'HTTPS://RELAY.example:8443']) {
      assert.deepEqual(checkRelayUrl(input, ORIGIN), { ok: true, url: ORIGIN }, input);
    }
  });

  void it('refuses another origin (host, port or scheme) and says why', () => {
    for (const input of [
      'https://other.example:8443',
      'https://relay.example',
      'http://relay.example:8443',
      'https://relay.example.evil:8443',
    ]) {
      assert.deepEqual(checkRelayUrl(input, ORIGIN), { ok: false, error: OTHER_RELAY_TEXT }, input);
    }
  });

  void it('refuses what is not an http(s) origin', () => {
    for (const input of [
      '',
      'relay.example',
      'ws://relay.example:8443',
      'javascript:alert(1)',
      `${ORIGIN}/sotto`,
      `${ORIGIN}/?x=1`,
      `${ORIGIN}/#a`,
      'https://user:pw@relay.example:8443',
    ]) {
      const r = checkRelayUrl(input, ORIGIN);
      assert.equal(r.ok, false, input);
      assert.ok(!r.ok && r.error !== OTHER_RELAY_TEXT, `${input}: a format error, not "other relay"`);
    }
  });
});
