// docs/errors.md is the one table of codes: it must list every code with the status the code uses.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HTTP_STATUS, RELAY_ERROR_CODES, wsCloseCodeFor } from '../src/errors.js';

void describe('docs/errors.md', () => {
  void it('documents every relay error code with its HTTP status, and nothing else', () => {
    const text = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...text.matchAll(/^\|\s*`([A-Za-z]+)`\s*\|\s*(\d{3})\s*\|/gm)].map(
      (m) => [m[1]!, Number(m[2])] as const,
    );
    assert.deepEqual(
      rows.map(([c]) => c),
      [...RELAY_ERROR_CODES],
    );
    for (const [code, status] of rows)
      assert.equal(status, HTTP_STATUS[code as keyof typeof HTTP_STATUS], code);
  });

  void it('maps codes to WebSocket close codes in the application range', () => {
    for (const c of RELAY_ERROR_CODES) {
      const close = wsCloseCodeFor(c);
      assert.ok(close >= 4000 && close <= 4999, c);
    }
  });
});
