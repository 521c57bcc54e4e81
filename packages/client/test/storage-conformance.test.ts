/**
 * Runs the client-store conformance suites (from @sotto/testkit) against every Node adapter:
 * in-memory and SQLite, raw and with the encrypted layer on top.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EncryptedStore, MemoryBackend, TEST_KDF_COST, type MemoryData } from '@sotto/client';
import { SqliteBackend } from '@sotto/client/node';
import { describeEncryptedStore, describeStorageBackend, type BackendHarness } from '@sotto/testkit';

function memoryHarness(): Promise<BackendHarness> {
  const data: MemoryData = new Map();
  let last: MemoryBackend | undefined;
  return Promise.resolve({
    name: 'memory',
    durable: true,
    open: () => Promise.resolve((last = new MemoryBackend(data))),
    persistedBytes: () => Promise.resolve(last?.dump() ?? []),
    cleanup: () => Promise.resolve(),
  });
}

function sqliteHarness(): Promise<BackendHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-store-'));
  const path = join(dir, 'state.db');
  let last: SqliteBackend | undefined;
  return Promise.resolve({
    name: 'sqlite',
    durable: true,
    open: () => Promise.resolve((last = new SqliteBackend(path))),
    // Scan the database AND its -wal / -shm side files, whatever state they are in.
    persistedBytes: () => {
      const files = readdirSync(dir).filter((f) => f.startsWith('state.db'));
      if (last?.isOpen === true) {
        // The journal must be part of what is scanned while the database is open.
        if (!files.includes('state.db-wal')) throw new Error('expected a -wal file while open');
      }
      return Promise.resolve(files.map((f) => new Uint8Array(readFileSync(join(dir, f)))));
    },
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
}

describeStorageBackend('memory', memoryHarness);
describeStorageBackend('sqlite', sqliteHarness);
describeEncryptedStore('memory', memoryHarness, EncryptedStore, { kdfCost: TEST_KDF_COST });
describeEncryptedStore('sqlite', sqliteHarness, EncryptedStore, { kdfCost: TEST_KDF_COST });
