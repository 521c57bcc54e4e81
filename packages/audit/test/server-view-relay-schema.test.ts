// The server view against the relay's real schema (read from its migration file, so a schema change
// in packages/relay shows up here without a code dependency on the relay).
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { serverView } from '../src/index.js';
import { tempDir } from './helpers.js';

const MIGRATIONS = fileURLToPath(new URL('../../relay/src/store/sqlite/migrations/', import.meta.url));

void describe('serverView() on the relay schema', () => {
  void it('labels relay tables and counts devices, prekeys and queued messages per account', (t) => {
    assert.ok(existsSync(MIGRATIONS), 'relay migrations present');
    const dir = tempDir(t);
    const db = new Database(join(dir, 'relay.sqlite'));
    db.pragma('journal_mode = WAL');
    for (const f of readdirSync(MIGRATIONS)
      .filter((x) => x.endsWith('.sql'))
      .sort()) {
      db.exec(readFileSync(join(MIGRATIONS, f), 'utf8'));
    }
    const a = '00000000-0000-4000-8000-00000000000a';
    const b = '00000000-0000-4000-8000-00000000000b';
    const ins = (sql: string, ...args: unknown[]) => db.prepare(sql).run(...args);
    ins(
      'INSERT INTO account (account_id, identity_key, created_at) VALUES (?, ?, 1)',
      a,
      Buffer.alloc(33, 5),
    );
    ins(
      'INSERT INTO account (account_id, identity_key, created_at) VALUES (?, ?, 1)',
      b,
      Buffer.alloc(33, 6),
    );
    ins(
      "INSERT INTO device (account_id, device_id, registration_id, secret_hash, created_at) VALUES (?, 1, 7, 'h', 1)",
      a,
    );
    ins(
      "INSERT INTO device (account_id, device_id, registration_id, secret_hash, created_at) VALUES (?, 1, 8, 'h', 1)",
      b,
    );
    for (let i = 0; i < 3; i++) ins('INSERT INTO one_time_prekey VALUES (2, ?, ?)', i, Buffer.alloc(33, 1));
    ins(
      'INSERT INTO mailbox VALUES (2, 1, ?, ?, 1, 100, 1, ?, 200)',
      Buffer.alloc(16, 9),
      a,
      Buffer.from('ciphertext-only-bytes'),
    );
    db.close();
    const v = serverView(dir, ['never stored plaintext']);
    assert.equal(v.found, 0);
    const [view] = v.databases;
    assert.ok(view && view.error === null);
    assert.equal(view.tables.find((x) => x.name === 'mailbox')?.label, 'queued messages');
    assert.equal(view.tables.find((x) => x.name === 'one_time_prekey')?.rows, 3);
    const roles = (table: string) =>
      Object.fromEntries(
        view.tables.find((x) => x.name === table)?.columns.map((c) => [c.name, c.role]) ?? [],
      );
    assert.equal(roles('device')['account_id'], 'id');
    assert.equal(roles('mailbox')['sender_account_id'], 'id');
    assert.equal(roles('mailbox')['server_timestamp'], 'timestamp');
    assert.equal(roles('attachment')['size'], 'size');
    assert.equal(roles('device_queue')['queued'], 'size');
    const bob = view.accounts.find((x) => x.account === b);
    assert.equal(bob?.relations.find((r) => r.table === 'device')?.rows, 1);
    assert.equal(bob?.relations.find((r) => r.table === 'one_time_prekey')?.rows, 3);
    const queued = bob?.relations.find((r) => r.table === 'mailbox' && r.via.startsWith('dev'));
    assert.equal(queued?.rows, 1);
    assert.equal(queued?.blob_bytes, 16 + 'ciphertext-only-bytes'.length);
    const alice = view.accounts.find((x) => x.account === a);
    assert.equal(
      alice?.relations.find((r) => r.via === 'sender_account_id')?.rows,
      1,
      'sender metadata is visible',
    );
  });
});
