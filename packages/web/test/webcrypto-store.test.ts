// The browser store's format equals @sotto/client's EncryptedStore for any key and value (property
// test, on Node's WebCrypto; the Chromium run is webcrypto-store.browser.test.ts).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EncryptedStore, MemoryBackend, TEST_KDF_COST, type KeyPart } from '@sotto/client';
import { WebCryptoStore } from '../src/platform/webcrypto-store.js';

const part: fc.Arbitrary<KeyPart> = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  fc.uint8Array({ maxLength: 24 }),
);
const table = fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/);

void describe('WebCryptoStore format (node WebCrypto)', () => {
  void it('blinds every key exactly like EncryptedStore, and each reads what the other wrote', async () => {
    const backend = new MemoryBackend();
    const noble = await EncryptedStore.create(backend, 'same pass', { kdfCost: TEST_KDF_COST });
    const web = await WebCryptoStore.open(backend, 'same pass');
    await fc.assert(
      fc.asyncProperty(
        table,
        fc.array(part, { minLength: 1, maxLength: 4 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.boolean(),
        async (t, key, value, webWrites) => {
          assert.deepEqual(await web.encodeKey(t, key), noble.encodeKey(t, key));
          const [writer, reader] = webWrites ? [web, noble] : [noble, web];
          await writer.put(t, key, value);
          assert.deepEqual(await reader.get(t, key), value);
        },
      ),
      { numRuns: 60 },
    );
  });

  void it('refuses what EncryptedStore refuses: reserved tables, negative or fractional numbers', async () => {
    const web = await WebCryptoStore.create(new MemoryBackend(), 'p', { kdfCost: TEST_KDF_COST });
    const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;
    await assert.rejects(web.put('_store', ['x'], new Uint8Array(1)), code('InvalidArgument'));
    await assert.rejects(web.put('t', [-1], new Uint8Array(1)), code('InvalidArgument'));
    await assert.rejects(web.put('t', [1.5], new Uint8Array(1)), code('InvalidArgument'));
    await assert.rejects(web.get('t', [{} as unknown as KeyPart]), code('InvalidArgument'));
  });
});
