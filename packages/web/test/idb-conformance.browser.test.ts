/**
 * The client-store conformance suites (@sotto/testkit) against the IndexedDB backend running IN
 * CHROMIUM: the suites run here under node:test, and every backend call is executed by the real
 * IdbBackend inside a page (served by a relay under the production CSP). persistedBytes() dumps the
 * raw IndexedDB contents for the plaintext scan. (The browser's own WebCrypto-keyed store on top of
 * it: webcrypto-store.browser.test.ts.)
 */
import { after, before } from 'node:test';
import { EncryptedStore, TEST_KDF_COST, webCryptoKeyWrapper } from '@sotto/client';
import { describeEncryptedStore, describeStorageBackend } from '@sotto/testkit';
import { idbHarness, openIdbPage, type IdbPage } from './helpers/idb-page.js';

let idb: IdbPage;

before(async () => {
  idb = await openIdbPage();
});

after(async () => {
  await idb?.close();
});

describeStorageBackend('indexeddb in chromium', idbHarness);
describeEncryptedStore('indexeddb in chromium', idbHarness, EncryptedStore, {
  kdfCost: TEST_KDF_COST,
  keyWrapper: webCryptoKeyWrapper,
});
