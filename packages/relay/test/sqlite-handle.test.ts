// SqliteHandle.tx: every write commits synced (synchronous=FULL) unless the caller asks for `relaxed`,
// which only the ack path does — so a relaxed ack can never leave the next enqueue unsynced.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteHandle } from '../src/store/sqlite/sqlite-handle.js';

const FULL = 2;
const NORMAL = 1;

void describe('SqliteHandle transactions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-handle-'));
  const db = new Database(join(dir, 'x.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (v INTEGER)');
  const h = new SqliteHandle(db);
  const mode = () => db.pragma('synchronous', { simple: true }) as number;
  after(() => {
    h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('commits synced by default, relaxed only when asked, and synced again after a relaxed one', () => {
    assert.equal(
      h.tx(() => mode()),
      FULL,
    );
    assert.equal(
      h.tx(() => mode(), 'relaxed'),
      NORMAL,
    );
    assert.equal(
      h.tx(() => {
        h.stmt('INSERT INTO t (v) VALUES (1)').run();
        return mode();
      }),
      FULL,
    );
    assert.deepEqual(h.stmt('SELECT count(*) AS n FROM t').get(), { n: 1 });
  });

  void it('keeps the outer transaction mode for a nested call', () => {
    const inner = h.tx(() => h.tx(() => mode()), 'relaxed');
    assert.equal(inner, NORMAL, 'a nested tx cannot change synchronous mid-transaction');
    assert.equal(
      h.tx(() => mode()),
      FULL,
    );
  });
});
