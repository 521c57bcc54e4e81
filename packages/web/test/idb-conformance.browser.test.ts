/**
 * The client-store conformance suites (@sotto/testkit) against the IndexedDB backend running IN
 * CHROMIUM: the suites run here under node:test, and every backend call is executed by the real
 * IdbBackend inside a page (served by a relay under the production CSP). persistedBytes() dumps the
 * raw IndexedDB contents for the plaintext scan.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { build } from 'vite';
import type { Browser, Page } from 'playwright-core';
import {
  EncryptedStore,
  StorageError,
  TEST_KDF_COST,
  webCryptoKeyWrapper,
  type BackendEntry,
  type BackendOp,
  type RangeQuery,
  type StorageBackend,
} from '@sotto/client';
import { describeEncryptedStore, describeStorageBackend, type BackendHarness } from '@sotto/testkit';
import { launchChromium, startWebRelay, WAIT_MS, type WebRelay } from './helpers/browser.js';
import { wireDecode, wireEncode } from './helpers/wire-bytes.js';

interface HarnessApi {
  open(name: string): Promise<number>;
  call(
    id: number,
    method: string,
    args: unknown[],
  ): Promise<{ ok?: unknown; error?: { code: unknown; message: string } }>;
  dump(name: string): Promise<unknown>;
}
declare const sottoIdbHarness: HarnessApi;
declare const sottoKekProbe: () => Promise<{
  extractable: boolean;
  exportRefused: boolean;
  crossUnwrap: boolean;
  info: unknown;
}>;

let outDir: string;
let relay: WebRelay;
let browser: Browser;
let page: Page;
let dbCounter = 0;

before(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'sotto-idb-harness-'));
  await build({
    root: new URL('./fixtures/idb-harness', import.meta.url).pathname,
    configFile: false,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, assetsInlineLimit: 0, modulePreload: { polyfill: false } },
  });
  relay = await startWebRelay(outDir);
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${relay.url}/`);
  await page.waitForFunction(() => document.title === 'ready', undefined, { timeout: WAIT_MS });
});

after(async () => {
  await browser?.close();
  await relay?.close();
  rmSync(outDir, { recursive: true, force: true });
});

/** A StorageBackend whose every call runs in the page's IdbBackend. */
class PageBackend implements StorageBackend {
  constructor(private readonly id: number) {}

  private async call(method: string, ...args: unknown[]): Promise<unknown> {
    const r = await page.evaluate(([id, m, a]) => sottoIdbHarness.call(id, m, a), [
      this.id,
      method,
      wireEncode(args) as unknown[],
    ] as const);
    if (r.error !== undefined) {
      throw new StorageError(r.error.code as never, r.error.message);
    }
    return wireDecode(r.ok);
  }

  get(table: string, key: Uint8Array) {
    return this.call('get', table, key) as Promise<Uint8Array | undefined>;
  }
  async put(table: string, key: Uint8Array, value: Uint8Array) {
    await this.call('put', table, key, value);
  }
  async delete(table: string, key: Uint8Array) {
    await this.call('delete', table, key);
  }
  range(table: string, query?: RangeQuery) {
    return this.call('range', table, query ?? {}) as Promise<BackendEntry[]>;
  }
  async batch(ops: readonly BackendOp[]) {
    await this.call('batch', ops);
  }
  count(table: string) {
    return this.call('count', table) as Promise<number>;
  }
  async close() {
    await this.call('close');
  }
}

function idbHarness(): Promise<BackendHarness> {
  const name = `conformance-${++dbCounter}`;
  return Promise.resolve({
    name: 'indexeddb (chromium)',
    durable: true,
    open: async () => new PageBackend(await page.evaluate((n) => sottoIdbHarness.open(n), name)),
    persistedBytes: async () =>
      wireDecode(await page.evaluate((n) => sottoIdbHarness.dump(n), name)) as Uint8Array[],
    cleanup: () => Promise.resolve(),
  });
}

describeStorageBackend('indexeddb in chromium', idbHarness);
describeEncryptedStore('indexeddb in chromium', idbHarness, EncryptedStore, {
  kdfCost: TEST_KDF_COST,
  keyWrapper: webCryptoKeyWrapper,
});

void describe('browser key wrapper (in chromium)', () => {
  void it('derives the KEK into a non-extractable AES-GCM CryptoKey that refuses export, in the shared wrapped format', async () => {
    const r = await page.evaluate(() => sottoKekProbe());
    assert.equal(r.extractable, false);
    assert.equal(r.exportRefused, true);
    assert.equal(r.crossUnwrap, true, 'the Node/raw wrapper unwraps what the browser wrapped');
    assert.deepEqual(r.info, { algorithm: 'AES-GCM', extractable: false, usages: ['encrypt', 'decrypt'] });
  });
});
