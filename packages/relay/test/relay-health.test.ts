// /healthz and start-up against a database the relay can read but not write: "SELECT 1" succeeds
// there, yet no envelope could be stored, so the relay must say so (docs/relay.md, Health and metrics).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { SQLITE_FILE_NAME, openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import { RelayError } from '@sotto/wire';
import { createLogger } from '../src/logger.js';
import { envelopeId, registerUser, startTestRelay, waitFor } from './helpers/harness.js';

const run = promisify(execFile);
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-health-'));
  dirs.push(dir);
  return dir;
}

/**
 * A relay on SQLite that gives up on the write lock after 50 ms, its log lines, and a second
 * connection to the same file (`other`) that can take that lock away from it.
 */
async function relayWithLockHolder() {
  const dataDir = tempDir();
  const lines: string[] = [];
  const t = await startTestRelay(
    {},
    {
      store: await openSqliteStore(dataDir, { busyTimeoutMs: 50 }),
      log: createLogger('debug', (l) => lines.push(l)),
    },
  );
  return { t, other: new Database(join(dataDir, SQLITE_FILE_NAME)), lines };
}

void describe('/healthz checks that the database can be written', () => {
  void it('answers 503 while another process holds the write lock, and 200 once it lets go', async () => {
    const dataDir = tempDir();
    const t = await startTestRelay({}, { store: await openSqliteStore(dataDir, { busyTimeoutMs: 50 }) });
    const other = new Database(join(dataDir, SQLITE_FILE_NAME));
    try {
      assert.equal(await t.anon.health(), 'ok');
      other.exec('BEGIN IMMEDIATE');
      assert.equal(await t.anon.health(), 'unavailable');
      other.exec('ROLLBACK');
      assert.equal(await t.anon.health(), 'ok');
    } finally {
      other.close();
      await t.close();
    }
  });
});

void describe('requests the database cannot serve', () => {
  void it('answer 503 Unavailable (not 500 Internal) and log the driver code, nothing else', async () => {
    const { t, other, lines } = await relayWithLockHolder();
    try {
      other.exec('BEGIN IMMEDIATE');
      await assert.rejects(
        registerUser(t),
        (e: unknown) => e instanceof RelayError && e.code === 'Unavailable' && e.status === 503,
      );
      other.exec('ROLLBACK');
      const user = await registerUser(t);
      assert.match(user.accountId, /^[0-9a-f-]{36}$/, 'the same request succeeds once the lock is gone');
    } finally {
      other.close();
      await t.close();
    }
    const warned = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l['event'] === 'store_unavailable');
    assert.deepEqual(
      warned.map(({ t: _t, ...rest }) => rest),
      [{ level: 'warn', event: 'store_unavailable', route: '/v1/accounts', code: 'SQLITE_BUSY' }],
    );
  });
});

void describe('a WebSocket submit the database cannot serve', () => {
  void it('is answered Unavailable (503) on its own request, and the connection stays usable', async () => {
    const { t, other, lines } = await relayWithLockHolder();
    const [alice, bob] = [await registerUser(t), await registerUser(t)];
    const envelope = (text: string) => ({
      deviceId: bob.deviceId,
      registrationId: bob.registrationId,
      envelopeId: envelopeId(),
      envelopeType: 1,
      content: new TextEncoder().encode(text),
    });
    const got: string[] = [];
    const closes: number[] = [];
    const a = alice.client.connect({ onClose: (c) => closes.push(c.code) });
    const b = bob.client.connect({
      onDeliver: (d) => {
        got.push(new TextDecoder().decode(d.content));
        b.ack(d.seq);
      },
    });
    try {
      await Promise.all([a.ready, b.ready]);
      other.exec('BEGIN IMMEDIATE');
      await assert.rejects(
        a.submit(bob.accountId, [envelope('while locked')]),
        (e: unknown) => e instanceof RelayError && e.code === 'Unavailable' && e.status === 503,
      );
      other.exec('ROLLBACK');
      const r = await a.submit(bob.accountId, [envelope('after the lock')]);
      assert.deepEqual(
        r.results.map((x) => x.status),
        ['Accepted'],
      );
      await waitFor(() => got.length === 1, 5000, 'the delivery');
      assert.deepEqual(got, ['after the lock'], 'nothing of the failed submit was stored');
      assert.deepEqual(closes, [], 'the sender was not disconnected');
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      a.close();
      b.close();
      await t.close();
    }
    const warned = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l['event'] === 'store_unavailable' || l['event'] === 'ws_handler_failed');
    assert.deepEqual(
      warned.map(({ t: _t, ...rest }) => rest),
      [{ level: 'warn', event: 'store_unavailable', route: 'ws', code: 'SQLITE_BUSY' }],
    );
  });
});

void describe('opening a database the relay cannot write', () => {
  // Root writes any file whatever its mode, so as root the store is opened by an unprivileged child.
  const asRoot = process.getuid?.() === 0;
  const NOBODY = 65534;

  async function openAsRelayUser(dataDir: string): Promise<{ ok: boolean; code?: string; message?: string }> {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/open-store-child.ts', import.meta.url)), dataDir],
      { timeout: 30_000, ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}) },
    );
    return JSON.parse(stdout) as { ok: boolean; code?: string; message?: string };
  }

  function ownedByRelayUser(path: string): void {
    if (asRoot) chownSync(path, NOBODY, NOBODY);
  }

  void it('refuses a read-only relay.sqlite with a coded one-line error naming the file', async () => {
    const parent = tempDir();
    chmodSync(parent, 0o755);
    const dataDir = join(parent, 'data');
    await (await openSqliteStore(dataDir)).close();
    ownedByRelayUser(dataDir);
    ownedByRelayUser(join(dataDir, SQLITE_FILE_NAME));
    assert.deepEqual(await openAsRelayUser(dataDir), { ok: true }, 'control: writable, it opens');
    chmodSync(join(dataDir, SQLITE_FILE_NAME), 0o444);
    const r = await openAsRelayUser(dataDir);
    assert.equal(r.ok, false);
    assert.equal(r.code, 'EACCES');
    assert.match(r.message ?? '', /relay\.sqlite: it is read-only/);
  });

  void it('refuses a data directory it cannot write with the same coded error', async () => {
    const parent = tempDir();
    chmodSync(parent, 0o755);
    const dataDir = join(parent, 'data');
    await (await openSqliteStore(dataDir)).close();
    rmSync(join(dataDir, SQLITE_FILE_NAME));
    chmodSync(dataDir, 0o555);
    const r = await openAsRelayUser(dataDir);
    assert.equal(r.ok, false);
    assert.equal(r.code, 'EACCES');
    assert.match(r.message ?? '', /relay\.sqlite: it cannot be opened/);
  });
});
