import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StorageError, TEST_KDF_COST } from '@sotto/client';
import { openSqliteStore } from '@sotto/client/node';

const opts = { kdfCost: TEST_KDF_COST };

void describe('openSqliteStore()', () => {
  void it('creates an owner-only file on first use, reopens it, and closes the file on a wrong passphrase', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-open-'));
    try {
      const path = join(dir, 'state.db');
      await assert.rejects(openSqliteStore({ path, passphrase: 'pw', mode: 'open', ...opts }), (e) =>
        StorageError.is(e, 'NotInitialized'),
      );
      rmSync(path, { force: true });
      const s1 = await openSqliteStore({ path, passphrase: 'pw', ...opts });
      await s1.put('t', ['k'], Uint8Array.of(1));
      await s1.close();
      assert.equal(statSync(path).mode & 0o777, 0o600);
      await assert.rejects(openSqliteStore({ path, passphrase: 'bad', ...opts }), (e) =>
        StorageError.is(e, 'WrongPassphrase'),
      );
      const s2 = await openSqliteStore({ path, passphrase: 'pw', ...opts });
      assert.deepEqual(await s2.get('t', ['k']), Uint8Array.of(1));
      await s2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
