// Forward secrecy at rest: a record that was overwritten (an old session state, with chain keys the
// ratchet has moved past) or deleted must not stay in the database's files, or a copy of the device
// taken later, with its passphrase, would read it back. The WAL keeps old page versions until it is
// checkpointed and truncated; these tests show the backend does that after a write, at open after a
// crash, and without ever waiting on another process.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SCRUB_DELAY_MS, SqliteBackend } from '../src/node/sqlite-backend.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** Whether `needle` occurs in the database file or its WAL. */
function onDisk(path: string, needle: Uint8Array): boolean {
  return [path, `${path}-wal`].some((f) => existsSync(f) && readFileSync(f).includes(Buffer.from(needle)));
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function withDir(fn: (path: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-erase-'));
    try {
      await fn(join(dir, 'state.db'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

void describe('SqliteBackend: old and deleted records leave the files', () => {
  void it(
    "an overwritten record's old version is gone from every file within SCRUB_DELAY_MS",
    withDir(async (path) => {
      const b = new SqliteBackend(path);
      try {
        const [v1, v2] = [randomBytes(48), randomBytes(48)];
        await b.put('session', enc('alice.1'), v1);
        await b.put('session', enc('alice.1'), v2);
        // The control: right after the overwrite the old version is still in the WAL.
        assert.ok(onDisk(path, v1), 'the old version is on disk before the scrub');
        await until(() => !onDisk(path, v1), 5 * SCRUB_DELAY_MS + 5_000, 'the old version is gone');
        assert.ok(onDisk(path, v2), 'the current version is kept');
        assert.deepEqual(await b.get('session', enc('alice.1')), new Uint8Array(v2));
      } finally {
        await b.close();
      }
    }),
  );

  void it(
    'a deleted record is gone after scrub(); so is everything a closed backend wrote over',
    withDir(async (path) => {
      const b = new SqliteBackend(path);
      const [gone, old, kept] = [randomBytes(48), randomBytes(48), randomBytes(48)];
      await b.batch([
        { op: 'put', table: 'skipped', key: enc('k1'), value: gone },
        { op: 'put', table: 'session', key: enc('s'), value: old },
      ]);
      await b.batch([
        { op: 'delete', table: 'skipped', key: enc('k1') },
        { op: 'put', table: 'session', key: enc('s'), value: kept },
      ]);
      assert.ok(onDisk(path, gone) && onDisk(path, old), 'the control: both on disk before the scrub');
      assert.equal(b.scrub(), true);
      assert.ok(!onDisk(path, gone) && !onDisk(path, old));
      await b.put('session', enc('s'), randomBytes(48));
      // Closed before its scrub timer, while another process has the file open (so SQLite's own
      // close leaves the WAL): close erases too.
      const other = new Database(path, { readonly: true });
      other.prepare('SELECT count(*) FROM kv').get(); // now it has the WAL index mapped
      try {
        await b.close();
        assert.ok(!onDisk(path, kept));
      } finally {
        other.close();
      }
    }),
  );

  void it(
    'a process killed right after a write leaves the old version, and the next open erases it',
    withDir(async (path) => {
      const [v1, v2] = [randomBytes(48), randomBytes(48)];
      const backend = new URL('../src/node/sqlite-backend.ts', import.meta.url).href;
      const child = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `import { SqliteBackend } from ${JSON.stringify(backend)};
           const b = new SqliteBackend(${JSON.stringify(path)});
           const k = new TextEncoder().encode('alice.1');
           await b.put('session', k, Buffer.from(${JSON.stringify(v1.toString('hex'))}, 'hex'));
           await b.put('session', k, Buffer.from(${JSON.stringify(v2.toString('hex'))}, 'hex'));
           process.kill(process.pid, 'SIGKILL');`,
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      assert.equal(child.signal, 'SIGKILL', child.stderr);
      assert.ok(onDisk(path, v1), 'the control: the killed process left the old version in the WAL');
      const b = new SqliteBackend(path);
      try {
        assert.ok(!onDisk(path, v1), 'opening erased it');
        assert.deepEqual(await b.get('session', enc('alice.1')), new Uint8Array(v2));
      } finally {
        await b.close();
      }
    }),
  );

  void it(
    'a reader in another process makes scrub() return false at once; the scheduled scrub erases later',
    withDir(async (path) => {
      const b = new SqliteBackend(path);
      const old = randomBytes(48);
      await b.put('session', enc('s'), old);
      await b.put('session', enc('s'), randomBytes(48));
      const reader = new Database(path, { readonly: true });
      try {
        reader.exec('BEGIN');
        reader.prepare('SELECT count(*) FROM kv').get(); // holds a snapshot that needs the WAL
        const t0 = Date.now();
        assert.equal(b.scrub(), false);
        assert.ok(Date.now() - t0 < 2_000, `scrub waited ${Date.now() - t0} ms`);
        reader.exec('COMMIT');
      } finally {
        reader.close();
      }
      await until(() => !onDisk(path, old), 5 * SCRUB_DELAY_MS + 5_000, 'the scheduled scrub erased it');
      await b.close();
    }),
  );
});
