/**
 * Conformance suite for `EncryptedStore` over an adapter: wrong passphrase, tamper detection,
 * key blinding, atomicity, and the plaintext scan (no message text in any persisted byte, in any
 * common encoding — with a positive control proving the scan would have found it).
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { EncryptedStoreOptions, StorageBackend } from '@sotto/client';
import { findPlaintext } from './bytes-scan.js';
import type { BackendHarness, EncryptedStoreClass, HarnessFactory } from './harness.js';

const t = (s: string): Uint8Array => new TextEncoder().encode(s);
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

export function describeEncryptedStore(
  name: string,
  factory: HarnessFactory,
  Store: EncryptedStoreClass,
  options: EncryptedStoreOptions,
): void {
  void describe(`EncryptedStore conformance: ${name}`, () => {
    let h: BackendHarness;
    before(async () => {
      h = await factory();
    });
    after(async () => {
      await h.cleanup();
    });

    /** Opens a fresh backend handle, runs fn, closes it. */
    async function withBackend<T>(fn: (db: StorageBackend) => Promise<T>): Promise<T> {
      const db = await h.open();
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    }

    void it('creates, reopens with the right passphrase, and reads back', async () => {
      await withBackend(async (db) => {
        const s = await Store.create(db, 'correct horse', options);
        await s.put('notes', ['alice', 1], t('hello'));
        await assert.rejects(Store.create(db, 'x', options), code('AlreadyInitialized'));
      });
      await withBackend(async (db) => {
        const s = await Store.open(db, 'correct horse', options);
        assert.deepEqual(await s.get('notes', ['alice', 1]), t('hello'));
        assert.equal(await s.get('notes', ['alice', 2]), undefined);
      });
    });

    void it('rejects a wrong passphrase with WrongPassphrase', async () => {
      await withBackend(async (db) => {
        await assert.rejects(Store.open(db, 'correct hors', options), code('WrongPassphrase'));
        await assert.rejects(Store.open(db, '', options), code('WrongPassphrase'));
      });
    });

    void it('changes the passphrase by rewrapping only', async () => {
      await withBackend(async (db) => {
        const s = await Store.open(db, 'correct horse', options);
        await s.changePassphrase('battery staple');
      });
      await withBackend(async (db) => {
        await assert.rejects(Store.open(db, 'correct horse', options), code('WrongPassphrase'));
        const s = await Store.open(db, 'battery staple', options);
        assert.deepEqual(await s.get('notes', ['alice', 1]), t('hello'));
        await s.changePassphrase('correct horse');
      });
    });

    void it('keeps order within a blinded prefix and scans with bounds', async () => {
      await withBackend(async (db) => {
        const s = await Store.open(db, 'correct horse', options);
        for (const seq of [5, 1, 300, 2, 70000]) await s.put('hist', ['conv-a', seq], t(`a${seq}`));
        for (const seq of [3, 4]) await s.put('hist', ['conv-b', seq], t(`b${seq}`));
        const a = await s.scan('hist', ['conv-a']);
        assert.deepEqual(
          a.map((e) => new TextDecoder().decode(e.value)),
          ['a1', 'a2', 'a5', 'a300', 'a70000'],
        );
        const last2 = await s.scan('hist', ['conv-a'], { reverse: true, limit: 2 });
        assert.deepEqual(
          last2.map((e) => new TextDecoder().decode(e.value)),
          ['a70000', 'a300'],
        );
        const mid = await s.scan('hist', ['conv-a'], { gte: ['conv-a', 2], lt: ['conv-a', 300] });
        assert.deepEqual(
          mid.map((e) => new TextDecoder().decode(e.value)),
          ['a2', 'a5'],
        );
        assert.equal((await s.scan('hist', ['conv-b'])).length, 2);
      });
    });

    void it('blinds string key parts: the stored key does not contain them', async () => {
      await withBackend(async (db) => {
        const s = await Store.open(db, 'correct horse', options);
        await s.put('contacts', ['contact-id-7f3a9c'], t('{}'));
        const rows = await db.range('contacts');
        assert.equal(rows.length, 1);
        assert.deepEqual(findPlaintext([rows[0]!.key], ['contact-id-7f3a9c']), []);
        assert.deepEqual(rows[0]!.key, await s.encodeKey('contacts', ['contact-id-7f3a9c']));
      });
    });

    void it('detects a flipped byte in a stored value (CorruptRecord)', async () => {
      await withBackend(async (db) => {
        const s = await Store.open(db, 'correct horse', options);
        await s.put('tamper', ['x'], t('secret value'));
        const key = await s.encodeKey('tamper', ['x']);
        const raw = (await db.get('tamper', key))!;
        for (const pos of [0, 5, raw.length - 1]) {
          const bad = raw.slice();
          bad[pos]! ^= 0x01;
          await db.put('tamper', key, bad);
          await assert.rejects(s.get('tamper', ['x']), code('CorruptRecord'));
        }
        await db.put('tamper', key, raw.subarray(0, 10));
        await assert.rejects(s.get('tamper', ['x']), code('CorruptRecord'));
        await db.put('tamper', key, raw);
        assert.deepEqual(await s.get('tamper', ['x']), t('secret value'));
      });
    });

    void it('detects two swapped records and a record moved to another table', async () => {
      await withBackend(async (db) => {
        const s = await Store.open(db, 'correct horse', options);
        await s.put('swap', ['a'], t('value a'));
        await s.put('swap', ['b'], t('value b'));
        const ka = await s.encodeKey('swap', ['a']);
        const kb = await s.encodeKey('swap', ['b']);
        const va = (await db.get('swap', ka))!;
        const vb = (await db.get('swap', kb))!;
        await db.batch([
          { op: 'put', table: 'swap', key: ka, value: vb },
          { op: 'put', table: 'swap', key: kb, value: va },
        ]);
        await assert.rejects(s.get('swap', ['a']), code('CorruptRecord'));
        await assert.rejects(s.get('swap', ['b']), code('CorruptRecord'));
        await assert.rejects(s.scan('swap'), code('CorruptRecord'));
        // Same logical key in another table: the ciphertext is bound to its table too.
        await db.put('swap2', await s.encodeKey('swap2', ['a']), va);
        await assert.rejects(s.get('swap2', ['a']), code('CorruptRecord'));
      });
    });

    void it('applies a batch across tables atomically, or not at all', async () => {
      await withBackend(async (db) => {
        const s = await Store.open(db, 'correct horse', options);
        await s.batch([
          { op: 'put', table: 'atom_a', key: ['k'], value: t('1') },
          { op: 'put', table: 'atom_b', key: ['k'], value: t('2') },
        ]);
        assert.deepEqual(await s.get('atom_b', ['k']), t('2'));
        await assert.rejects(
          s.batch([
            { op: 'put', table: 'atom_a', key: ['k'], value: t('changed') },
            { op: 'put', table: 'atom_b', key: [-1], value: t('bad key') },
          ]),
          code('InvalidArgument'),
        );
        assert.deepEqual(await s.get('atom_a', ['k']), t('1'));
      });
    });

    void it('refuses every operation once locked, and zeroises on close', async () => {
      await withBackend(async (db) => {
        const s = await Store.open(db, 'correct horse', options);
        s.lock();
        await assert.rejects(s.get('notes', ['alice', 1]), code('Locked'));
        await assert.rejects(s.put('notes', ['z'], t('x')), code('Locked'));
        await assert.rejects(s.scan('notes'), code('Locked'));
      });
    });

    void it('leaves no message text in any persisted byte, open or closed (and the scan finds it unencrypted)', async () => {
      const texts = [
        'Meet me at the old lighthouse 7734',
        'Zyxwvut passphrase-looking QUOKKA',
        'Ünïcödé snöwman ☃ 9918',
      ];
      const names = ['Wilhelmina Quartermaine', 'acct-7c1e0b5f-unique'];
      let whileOpen: Uint8Array[] = [];
      await withBackend(async (db) => {
        const s = await Store.open(db, 'correct horse', options);
        let seq = 0;
        for (const text of texts) {
          await s.put('history', [names[1]!, seq++], t(JSON.stringify({ text, from: names[0] })));
        }
        await s.put('contacts', [names[1]!], t(names[0]!));
        // Overwrite and delete too: old versions must not linger in plaintext either.
        await s.put('history', [names[1]!, 0], t('replaced'));
        await s.delete('history', [names[1]!, 1]);
        // While open: the database plus its journal files (-wal, -shm) as they are right now.
        whileOpen = await h.persistedBytes();
      });
      const afterClose = await h.persistedBytes();
      for (const blobs of [whileOpen, afterClose]) {
        assert.ok(blobs.reduce((n, x) => n + x.length, 0) > 0, 'something was persisted');
        assert.deepEqual(findPlaintext(blobs, [...texts, ...names]), []);
      }

      // Positive control: the same scan over a plain (unencrypted) write finds the text.
      let controlOpen: Uint8Array[] = [];
      await withBackend(async (db) => {
        await db.put('plain_control', t('k'), t(JSON.stringify({ text: texts[0] })));
        controlOpen = await h.persistedBytes();
      });
      assert.deepEqual(findPlaintext(controlOpen, texts), [texts[0]]);
      assert.deepEqual(findPlaintext(await h.persistedBytes(), texts), [texts[0]]);
    });
  });
}
