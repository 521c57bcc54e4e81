/**
 * The browser's encrypted store (src/platform/webcrypto-store.ts) IN CHROMIUM, over the real
 * IndexedDB backend: it passes the unchanged @sotto/testkit EncryptedStore conformance suite; while
 * unlocked it holds only non-extractable CryptoKeys (AES-GCM record key, HMAC blinding key) that
 * refuse export and no key bytes; the data-key and KEK bytes it did touch are zeroised; and it
 * reads and writes exactly the same IndexedDB data as @sotto/client's EncryptedStore.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { EncryptedStore, TEST_KDF_COST } from '@sotto/client';
import { describeEncryptedStore, findPlaintext } from '@sotto/testkit';
import {
  dumpDb,
  idbHarness,
  openIdbPage,
  openPageBackend,
  PageWebCryptoStore,
  zeroiseProbe,
  type IdbPage,
} from './helpers/idb-page.js';

const t = (s: string) => new TextEncoder().encode(s);
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

let idb: IdbPage;

before(async () => {
  idb = await openIdbPage();
});

after(async () => {
  await idb?.close();
});

describeEncryptedStore('WebCryptoStore over indexeddb in chromium', idbHarness, PageWebCryptoStore, {});

void describe('WebCryptoStore key handling (in chromium)', () => {
  void it('holds only non-extractable CryptoKeys that refuse export, and no key bytes', async () => {
    const db = await openPageBackend('keys-1');
    const created = await PageWebCryptoStore.create(db, 'held keys');
    await created.put('t', ['x'], t('v'));
    await created.close();
    const s = await PageWebCryptoStore.open(await openPageBackend('keys-1'), 'held keys');
    const k = (await s.keys()) as Record<string, unknown>;
    assert.equal(k['locked'], false);
    assert.deepEqual(k['heldNames'], ['blind', 'record']);
    assert.equal(k['isCryptoKey'], true);
    assert.deepEqual(k['record'], {
      algorithm: 'AES-GCM',
      extractable: false,
      usages: ['encrypt', 'decrypt'],
      exportRefused: true,
    });
    assert.deepEqual(k['blind'], {
      algorithm: 'HMAC',
      extractable: false,
      usages: ['sign'],
      exportRefused: true,
    });
    assert.deepEqual(k['kek'], { algorithm: 'AES-GCM', extractable: false, usages: ['unwrapKey'] });
    const fields = k['fields'] as [string, string][];
    assert.deepEqual(
      fields.filter(([, kind]) => kind === 'BYTES'),
      [],
      'no Uint8Array field on the store',
    );
    assert.deepEqual(await s.get('t', ['x']), t('v'));
    s.lock();
    assert.deepEqual(await s.keys(), { locked: true });
    await assert.rejects(s.get('t', ['x']), code('Locked'));
  });

  void it('zeroises the data-key and KEK bytes on create, and the KEK bytes on unlock; data still round-trips', async () => {
    assert.deepEqual(await zeroiseProbe('zeroise-1'), {
      created: { dataKeyZeroed: true, dataKeyLength: 32, kekZeroed: true },
      opened: { kekCount: 1, kekZeroed: true, value: 'still readable' },
    });
  });

  void it('changing the passphrase needs the current one', async () => {
    const s = await PageWebCryptoStore.create(await openPageBackend('pass-1'), 'first pass');
    await s.put('t', ['k'], t('kept'));
    await assert.rejects(s.changePassphraseFrom('not it', 'second pass'), code('WrongPassphrase'));
    await s.changePassphraseFrom('first pass', 'second pass');
    await s.close();
    await assert.rejects(
      PageWebCryptoStore.open(await openPageBackend('pass-1'), 'first pass'),
      code('WrongPassphrase'),
    );
    const again = await PageWebCryptoStore.open(await openPageBackend('pass-1'), 'second pass');
    assert.deepEqual(await again.get('t', ['k']), t('kept'));
    await again.close();
  });
});

void describe('WebCryptoStore and EncryptedStore share one format (same IndexedDB data)', () => {
  const texts = ['the heron flies at dusk 5521', 'Prudence Oyelaran-Whitcombe'];

  void it('EncryptedStore (noble, key bytes) writes; WebCryptoStore (CryptoKeys) reads, with identical blinded keys', async () => {
    const noble = await EncryptedStore.create(await openPageBackend('compat-1'), 'shared pass', {
      kdfCost: TEST_KDF_COST,
    });
    await noble.batch([
      { op: 'put', table: 'history', key: ['conv-9f', 1], value: t(texts[0]!) },
      { op: 'put', table: 'history', key: ['conv-9f', 2], value: t('second') },
      { op: 'put', table: 'contacts', key: [t('acct-bytes')], value: t(texts[1]!) },
    ]);
    const expectedKeys = [
      noble.encodeKey('history', ['conv-9f', 1]),
      noble.encodeKey('contacts', [t('acct-bytes')]),
    ];
    await noble.close();

    const web = await PageWebCryptoStore.open(await openPageBackend('compat-1'), 'shared pass');
    assert.deepEqual(
      (await web.scan('history', ['conv-9f'])).map((e) => new TextDecoder().decode(e.value)),
      [texts[0], 'second'],
    );
    assert.deepEqual(await web.get('contacts', [t('acct-bytes')]), t(texts[1]!));
    assert.deepEqual(
      [await web.encodeKey('history', ['conv-9f', 1]), await web.encodeKey('contacts', [t('acct-bytes')])],
      expectedKeys,
    );
    await web.close();
  });

  void it('WebCryptoStore writes; EncryptedStore reads; nothing readable in IndexedDB', async () => {
    const web = await PageWebCryptoStore.create(await openPageBackend('compat-2'), 'other pass');
    await web.put('history', ['conv-1', 7], t(texts[0]!));
    await web.put('contacts', ['acct-1'], t(texts[1]!));
    await web.close();
    const noble = await EncryptedStore.open(await openPageBackend('compat-2'), 'other pass');
    assert.deepEqual(await noble.get('history', ['conv-1', 7]), t(texts[0]!));
    assert.deepEqual(await noble.get('contacts', ['acct-1']), t(texts[1]!));
    await noble.close();
    assert.deepEqual(findPlaintext(await dumpDb('compat-2'), [...texts, 'conv-1', 'acct-1']), []);
  });
});
