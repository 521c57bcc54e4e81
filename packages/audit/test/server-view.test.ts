import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { encodeNeedle, hasLiveLink, renderServerView, serverView } from '../src/index.js';
import type { AccountView } from '../src/index.js';
import { tempDir } from './helpers.js';

const NEEDLE = 'hello canary kzq3v7xw';

function embed(encoded: Buffer): Buffer {
  return Buffer.concat([Buffer.from('prefix-bytes\x00\x01'), encoded, Buffer.from('\x02suffix')]);
}

void describe('serverView() needle scan', () => {
  const cases: [string, Buffer][] = [
    ['utf8', Buffer.from(NEEDLE)],
    ['hex', Buffer.from(Buffer.from(NEEDLE).toString('hex'))],
    ['HEX', Buffer.from(Buffer.from(NEEDLE).toString('hex').toUpperCase())],
    ['utf16le', Buffer.from(NEEDLE, 'utf16le')],
    ['utf16be', Buffer.from(NEEDLE, 'utf16le').swap16()],
    ['percent', Buffer.from(encodeURIComponent(NEEDLE))],
  ];
  for (const k of [0, 1, 2]) {
    // The needle inside a larger base64 blob at each alignment, standard and url-safe.
    const blob = Buffer.concat([Buffer.alloc(k, 0xfb), Buffer.from(NEEDLE), Buffer.from([0xff, 0xfe])]);
    cases.push([`base64@${k}`, Buffer.from(blob.toString('base64'))]);
    cases.push([`base64url@${k}`, Buffer.from(blob.toString('base64url'))]);
  }
  for (const [encoding, bytes] of cases) {
    void it(`finds a needle stored as ${encoding}`, (t) => {
      const dir = tempDir(t);
      mkdirSync(join(dir, 'logs'));
      writeFileSync(join(dir, 'logs', 'relay.log'), embed(bytes));
      writeFileSync(join(dir, 'other.bin'), Buffer.from('nothing to see'));
      const v = serverView(dir, [NEEDLE, 'absent needle value']);
      assert.ok(v.found >= 1);
      assert.deepEqual(v.found_per_needle.slice(1), [0]);
      const loc = v.locations.find((l) => l.file === join('logs', 'relay.log'));
      assert.ok(loc, 'location reported');
      assert.equal(loc.needle, 0);
      if (!encoding.startsWith('base64')) {
        assert.equal(loc.encoding, encoding);
        assert.equal(loc.offset, 14);
      }
    });
  }

  void it('finds nothing where the needles are absent', (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'a.log'), Buffer.from('hello canary kzq3v7x? not quite'));
    writeFileSync(join(dir, 'b.bin'), Buffer.alloc(100_000, 0x41));
    const v = serverView(dir, [NEEDLE]);
    assert.equal(v.found, 0);
    assert.deepEqual(v.locations, []);
    assert.equal(v.files.length, 2);
  });

  void it('encodes each needle in every listed encoding, without duplicates', () => {
    const names = encodeNeedle(NEEDLE).map((e) => e.encoding);
    for (const n of [
      'utf8',
      'hex',
      'HEX',
      'utf16le',
      'utf16be',
      'percent',
      'percent-all',
      'base64@0',
      'base64@1',
      'base64@2',
    ]) {
      assert.ok(names.includes(n), n);
    }
    assert.equal(new Set(names).size, names.length);
  });
});

function relayLikeDb(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE account (account_id TEXT PRIMARY KEY, identity_key BLOB NOT NULL, username TEXT, created_at INTEGER NOT NULL);
    CREATE TABLE device (dev INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT NOT NULL REFERENCES account (account_id),
      device_id INTEGER NOT NULL, created_at INTEGER NOT NULL);
    CREATE TABLE one_time_prekey (dev INTEGER NOT NULL REFERENCES device (dev), key_id INTEGER NOT NULL, public_key BLOB NOT NULL,
      PRIMARY KEY (dev, key_id));
    CREATE TABLE mailbox (dev INTEGER NOT NULL REFERENCES device (dev), seq INTEGER NOT NULL, sender_account_id TEXT NOT NULL,
      server_timestamp INTEGER NOT NULL, content BLOB NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (dev, seq));
  `);
  db.prepare('INSERT INTO account VALUES (?, ?, ?, ?)').run('acct-a', Buffer.alloc(33, 1), 'alice', 1);
  db.prepare('INSERT INTO account VALUES (?, ?, ?, ?)').run('acct-b', Buffer.alloc(33, 2), null, 2);
  db.prepare('INSERT INTO device (account_id, device_id, created_at) VALUES (?, ?, ?)').run('acct-a', 1, 1);
  db.prepare('INSERT INTO device (account_id, device_id, created_at) VALUES (?, ?, ?)').run('acct-b', 1, 2);
  db.prepare('INSERT INTO device (account_id, device_id, created_at) VALUES (?, ?, ?)').run('acct-b', 2, 3);
  for (let i = 0; i < 5; i++)
    db.prepare('INSERT INTO one_time_prekey VALUES (1, ?, ?)').run(i, Buffer.alloc(33, 3));
  for (let i = 0; i < 3; i++) {
    db.prepare('INSERT INTO mailbox VALUES (2, ?, ?, ?, ?, ?)').run(
      i,
      'acct-a',
      10,
      Buffer.alloc(100 + i, 4),
      99,
    );
  }
  // Leave data in the WAL: no checkpoint, connection kept open by the caller's lifetime below.
  db.close();
}

const hashDir = (dir: string): string =>
  readdirSync(dir)
    .sort()
    .map(
      (f) =>
        `${f}:${createHash('sha256')
          .update(readFileSync(join(dir, f)))
          .digest('hex')}`,
    )
    .join('\n');

void describe('serverView() databases', () => {
  void it('shows tables, metadata columns and per-account counts via foreign keys', (t) => {
    const dir = tempDir(t);
    relayLikeDb(join(dir, 'relay.sqlite'));
    const v = serverView(dir, ['acct-a']);
    const [db] = v.databases;
    assert.ok(db);
    assert.equal(db.error, null);
    const rows = Object.fromEntries(db.tables.map((x) => [x.name, x.rows]));
    assert.deepEqual(rows, { account: 2, device: 3, mailbox: 3, one_time_prekey: 5 });
    const mailbox = db.tables.find((x) => x.name === 'mailbox');
    assert.equal(mailbox?.label, 'queued messages');
    assert.equal(mailbox?.columns.find((c) => c.name === 'server_timestamp')?.role, 'timestamp');
    assert.equal(mailbox?.columns.find((c) => c.name === 'content')?.role, 'content');
    const a = db.accounts.find((x) => x.account === 'acct-a');
    const b = db.accounts.find((x) => x.account === 'acct-b');
    assert.equal(a?.fields.username, 'alice');
    const rel = (acc: AccountView | undefined, table: string, via?: RegExp) =>
      acc?.relations.find((r) => r.table === table && (via === undefined || via.test(r.via)));
    assert.equal(rel(a, 'device')?.rows, 1);
    assert.equal(rel(b, 'device')?.rows, 2);
    assert.equal(rel(a, 'one_time_prekey')?.rows, 5);
    assert.equal(rel(b, 'mailbox', /^dev/)?.rows, 3);
    assert.equal(rel(b, 'mailbox', /^dev/)?.blob_bytes, 303);
    // Undeclared join: acct-a is the sender of b's queued messages — metadata a thief holds.
    assert.equal(rel(a, 'mailbox', /sender_account_id/)?.rows, 3);
    assert.ok(v.found >= 1, 'the account id is in the files');
    assert.equal(hasLiveLink(renderServerView(v)), false);
  });

  void it('never modifies the data directory (no WAL checkpoint, no new files)', (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'relay.sqlite');
    const writer = new Database(path);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec(
      "CREATE TABLE account (account_id TEXT PRIMARY KEY); INSERT INTO account VALUES ('in-wal-only');",
    );
    t.after(() => writer.close());
    const before = hashDir(dir);
    assert.match(before, /relay\.sqlite-wal/);
    const v = serverView(dir, ['in-wal-only']);
    assert.equal(hashDir(dir), before);
    assert.equal(v.databases[0]?.tables[0]?.rows, 1, 'rows still in the WAL are seen through the copy');
    assert.ok(v.locations.some((l) => l.file === 'relay.sqlite-wal'));
  });

  void it('refuses a missing directory with a typed error', () => {
    assert.throws(() => serverView('/nonexistent/sotto-audit-dir'), { code: 'NoDatabase' });
  });
});
