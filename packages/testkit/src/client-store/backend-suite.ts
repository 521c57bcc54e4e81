/**
 * Conformance suite for the client's raw `StorageBackend` port: every adapter (memory, SQLite,
 * IndexedDB) must pass it unchanged.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { RangeQuery, StorageBackend } from '@sotto/client';
import type { BackendHarness, HarnessFactory } from './harness.js';

const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const t = (s: string): Uint8Array => new TextEncoder().encode(s);
const keysOf = (rows: { key: Uint8Array }[]): number[][] => rows.map((r) => [...r.key]);

export function describeStorageBackend(name: string, factory: HarnessFactory): void {
  void describe(`StorageBackend conformance: ${name}`, () => {
    let h: BackendHarness;
    let db: StorageBackend;
    before(async () => {
      h = await factory();
      db = await h.open();
    });
    after(async () => {
      await db.close();
      await h.cleanup();
    });

    void it('reads back what it wrote, overwrites, and deletes', async () => {
      assert.equal(await db.get('crud', b(1)), undefined);
      await db.put('crud', b(1), t('one'));
      assert.deepEqual(await db.get('crud', b(1)), t('one'));
      await db.put('crud', b(1), t('uno'));
      assert.deepEqual(await db.get('crud', b(1)), t('uno'));
      await db.delete('crud', b(1));
      assert.equal(await db.get('crud', b(1)), undefined);
      await db.delete('crud', b(1)); // deleting a missing key is not an error
    });

    void it('stores empty values and returns copies callers cannot alias', async () => {
      await db.put('crud', b(2), new Uint8Array(0));
      assert.deepEqual(await db.get('crud', b(2)), new Uint8Array(0));
      const v = t('abc');
      await db.put('crud', b(3), v);
      v[0] = 0;
      const got = (await db.get('crud', b(3)))!;
      assert.deepEqual(got, t('abc'));
      got[0] = 0;
      assert.deepEqual(await db.get('crud', b(3)), t('abc'));
    });

    void it('keeps tables apart', async () => {
      await db.put('ta', b(9), t('a'));
      await db.put('tb', b(9), t('b'));
      assert.deepEqual(await db.get('ta', b(9)), t('a'));
      assert.deepEqual(await db.get('tb', b(9)), t('b'));
      assert.equal(await db.count('ta'), 1);
      assert.equal(await db.count('tc'), 0);
    });

    void it('scans in lexicographic byte order (shorter prefix first, 0xff last)', async () => {
      const keys = [b(2), b(1, 0xff), b(1), b(0xff), b(1, 0), b(0, 5), b(0x80)];
      for (const k of keys) await db.put('ord', k, k);
      const rows = await db.range('ord');
      assert.deepEqual(keysOf(rows), [[0, 5], [1], [1, 0], [1, 0xff], [2], [0x80], [0xff]]);
      assert.deepEqual(keysOf(await db.range('ord', { reverse: true, limit: 2 })), [[0xff], [0x80]]);
    });

    void it('range scans honour prefix, bounds and limit', async () => {
      for (let conv = 1; conv <= 3; conv++) {
        for (let seq = 0; seq < 5; seq++) await db.put('rng', b(conv, 0, seq), b(seq));
      }
      assert.deepEqual(
        keysOf(await db.range('rng', { prefix: b(2) })),
        [0, 1, 2, 3, 4].map((s) => [2, 0, s]),
      );
      assert.deepEqual(keysOf(await db.range('rng', { prefix: b(2), gte: b(2, 0, 3) })), [
        [2, 0, 3],
        [2, 0, 4],
      ]);
      assert.deepEqual(keysOf(await db.range('rng', { prefix: b(2), lt: b(2, 0, 2) })), [
        [2, 0, 0],
        [2, 0, 1],
      ]);
      assert.deepEqual(keysOf(await db.range('rng', { prefix: b(3), reverse: true, limit: 2 })), [
        [3, 0, 4],
        [3, 0, 3],
      ]);
      assert.deepEqual(await db.range('rng', { prefix: b(7) }), []);
      assert.deepEqual(await db.range('rng', { limit: 0 }), []);
      await db.put('rng', b(0xff, 0xff), b(1));
      await db.put('rng', b(0xff, 0xff, 1), b(2));
      assert.equal((await db.range('rng', { prefix: b(0xff, 0xff) })).length, 2);
    });

    void it('applies a batch atomically: all ops, in order', async () => {
      await db.batch([
        { op: 'put', table: 'bat', key: b(1), value: t('x') },
        { op: 'put', table: 'bat2', key: b(1), value: t('y') },
        { op: 'put', table: 'bat', key: b(1), value: t('z') },
        { op: 'put', table: 'bat', key: b(2), value: t('w') },
        { op: 'delete', table: 'bat', key: b(2) },
      ]);
      assert.deepEqual(await db.get('bat', b(1)), t('z'));
      assert.deepEqual(await db.get('bat2', b(1)), t('y'));
      assert.equal(await db.get('bat', b(2)), undefined);
    });

    void it('applies nothing from a batch with one bad op', async () => {
      await db.put('bad', b(1), t('before'));
      await assert.rejects(
        db.batch([
          { op: 'put', table: 'bad', key: b(1), value: t('after') },
          { op: 'delete', table: 'bad', key: b(1) },
          { op: 'put', table: 'bad', key: b(2), value: 'not bytes' as unknown as Uint8Array },
        ]),
        (e: unknown) => (e as { code?: string }).code === 'InvalidArgument',
      );
      assert.deepEqual(await db.get('bad', b(1)), t('before'));
      assert.equal(await db.get('bad', b(2)), undefined);
    });

    void it('rejects bad table names and keys with InvalidArgument', async () => {
      const isInvalid = (e: unknown): boolean => (e as { code?: string }).code === 'InvalidArgument';
      await assert.rejects(db.put('Bad-Name', b(1), b(1)), isInvalid);
      await assert.rejects(db.put('ok', new Uint8Array(0), b(1)), isInvalid);
      await assert.rejects(db.get('ok', 'k' as unknown as Uint8Array), isInvalid);
      await assert.rejects(db.range('ok', { limit: -1 }), isInvalid);
    });

    void it('agrees with a reference model on random puts, deletes, batches and range scans (property)', async () => {
      const hex = (k: Uint8Array): string => [...k].map((x) => x.toString(16).padStart(2, '0')).join('');
      const arbKey = fc
        .uint8Array({ minLength: 1, maxLength: 3, max: 3 })
        .map((k) => k.map((x) => [0, 1, 0x7f, 0xff][x]!));
      const arbOp = fc.oneof(
        fc.record({ op: fc.constant('put' as const), key: arbKey, value: fc.uint8Array({ maxLength: 4 }) }),
        fc.record({ op: fc.constant('delete' as const), key: arbKey }),
      );
      const rarely = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
        fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: a });
      const arbQuery = fc
        .record({
          prefix: rarely(
            fc
              .uint8Array({ minLength: 1, maxLength: 1, max: 3 })
              .map((k) => k.map((x) => [0, 1, 0x7f, 0xff][x]!)),
          ),
          gte: rarely(arbKey),
          lt: rarely(arbKey),
          reverse: fc.boolean(),
          limit: rarely(fc.nat(12)),
        })
        .map((q) => Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as RangeQuery);
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(arbOp, { minLength: 1, maxLength: 8 }), { maxLength: 10 }),
          arbQuery,
          async (batches, q) => {
            const table = `model_${run++}`;
            const model = new Map<string, Uint8Array>();
            for (const ops of batches) {
              await db.batch(ops.map((o) => ({ ...o, table })));
              for (const o of ops) {
                if (o.op === 'put') model.set(hex(o.key), o.value);
                else model.delete(hex(o.key));
              }
            }
            let keys = [...model.keys()].sort();
            if (q.prefix !== undefined) keys = keys.filter((k) => k.startsWith(hex(q.prefix!)));
            if (q.gte !== undefined) keys = keys.filter((k) => k >= hex(q.gte!));
            if (q.lt !== undefined) keys = keys.filter((k) => k < hex(q.lt!));
            if (q.reverse === true) keys.reverse();
            if (q.limit !== undefined) keys = keys.slice(0, q.limit);
            const got = await db.range(table, q);
            assert.deepEqual(
              got.map((r) => [hex(r.key), hex(r.value)]),
              keys.map((k) => [k, hex(model.get(k)!)]),
            );
            assert.equal(await db.count(table), model.size);
          },
        ),
        { numRuns: 60 },
      );
    });

    void it(`${'keeps data across close and reopen when durable'}`, async () => {
      await db.batch([
        { op: 'put', table: 'dur', key: b(1), value: t('kept') },
        { op: 'put', table: 'dur', key: b(2), value: t('kept too') },
      ]);
      await db.close();
      await assert.rejects(db.get('dur', b(1)), (e: unknown) => (e as { code?: string }).code === 'Closed');
      db = await h.open();
      if (h.durable) {
        assert.deepEqual(await db.get('dur', b(1)), t('kept'));
        assert.equal(await db.count('dur'), 2);
      } else {
        assert.equal(await db.get('dur', b(1)), undefined);
      }
    });
  });
}
