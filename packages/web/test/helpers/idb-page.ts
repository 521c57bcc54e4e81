/**
 * The IndexedDB test page (test/fixtures/idb-harness, built with Vite, served by a relay under the
 * production CSP) and Node-side proxies whose every call runs IN CHROMIUM: `PageBackend` (the real
 * IdbBackend) and `PageWebCryptoStore` (the real WebCryptoStore over such a backend).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import type { Browser, Page } from 'playwright-core';
import {
  StorageError,
  type BackendEntry,
  type BackendOp,
  type RangeQuery,
  type ScanOptions,
  type StorageBackend,
  type StoreEntry,
  type StoreKey,
  type StoreOp,
} from '@sotto/client';
import type { BackendHarness, EncryptedStoreLike } from '@sotto/testkit';
import { launchChromium, startWebRelay, WAIT_MS, type WebRelay } from './browser.js';
import { wireDecode, wireEncode } from './wire-bytes.js';

type Result = { ok?: unknown; error?: { code: unknown; message: string } };
interface HarnessApi {
  open(name: string): Promise<number>;
  call(id: number, method: string, args: unknown[]): Promise<Result>;
  dump(name: string): Promise<unknown>;
  storeOpen(backendId: number, passphrase: string, create: boolean): Promise<Result>;
  storeCall(id: number, method: string, args: unknown[]): Promise<Result>;
  storeKeys(id: number): Promise<unknown>;
  zeroiseProbe(name: string): Promise<unknown>;
}
declare const sottoIdbHarness: HarnessApi;

export interface IdbPage {
  page: Page;
  close(): Promise<void>;
}

let page: Page;

/** Builds the harness page, serves it from a relay and opens it in Chromium. */
export async function openIdbPage(): Promise<IdbPage> {
  const outDir = mkdtempSync(join(tmpdir(), 'sotto-idb-harness-'));
  await build({
    root: new URL('../fixtures/idb-harness', import.meta.url).pathname,
    configFile: false,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, assetsInlineLimit: 0, modulePreload: { polyfill: false } },
  });
  const relay: WebRelay = await startWebRelay(outDir);
  const browser: Browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${relay.url}/`);
  await page.waitForFunction(() => document.title === 'ready', undefined, { timeout: WAIT_MS });
  return {
    page,
    close: async () => {
      await browser.close();
      await relay.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

function unwrap(r: Result): unknown {
  if (r.error !== undefined) throw new StorageError(r.error.code as never, r.error.message);
  return wireDecode(r.ok);
}

/** A StorageBackend whose every call runs in the page's IdbBackend. */
export class PageBackend implements StorageBackend {
  constructor(readonly id: number) {}

  private async call(method: string, ...args: unknown[]): Promise<unknown> {
    return unwrap(
      await page.evaluate(([id, m, a]) => sottoIdbHarness.call(id, m, a), [
        this.id,
        method,
        wireEncode(args) as unknown[],
      ] as const),
    );
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

export async function openPageBackend(name: string): Promise<PageBackend> {
  return new PageBackend(await page.evaluate((n) => sottoIdbHarness.open(n), name));
}

export async function dumpDb(name: string): Promise<Uint8Array[]> {
  return wireDecode(await page.evaluate((n) => sottoIdbHarness.dump(n), name)) as Uint8Array[];
}

let dbCounter = 0;
/** A fresh IndexedDB database in the page, as the testkit suites' harness. */
export function idbHarness(): Promise<BackendHarness> {
  const name = `conformance-${++dbCounter}-${Date.now()}`;
  return Promise.resolve({
    name: 'indexeddb (chromium)',
    durable: true,
    open: () => openPageBackend(name),
    persistedBytes: () => dumpDb(name),
    cleanup: () => Promise.resolve(),
  });
}

/**
 * The browser's WebCryptoStore, running in the page over a `PageBackend`. Calls are chained so a
 * synchronous `lock()` takes effect before anything issued after it. `changePassphrase(new)` passes
 * the passphrase this handle was opened with as the old one (the WebCrypto store needs it).
 */
export class PageWebCryptoStore implements EncryptedStoreLike {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly id: number,
    private passphrase: string,
  ) {}

  static async create(db: StorageBackend, passphrase: string): Promise<PageWebCryptoStore> {
    return PageWebCryptoStore.start(db, passphrase, true);
  }

  static async open(db: StorageBackend, passphrase: string): Promise<PageWebCryptoStore> {
    return PageWebCryptoStore.start(db, passphrase, false);
  }

  private static async start(db: StorageBackend, passphrase: string, create: boolean) {
    if (!(db instanceof PageBackend)) throw new Error('PageWebCryptoStore needs a PageBackend');
    const r = await page.evaluate(([b, p, c]) => sottoIdbHarness.storeOpen(b, p, c), [
      db.id,
      passphrase,
      create,
    ] as const);
    return new PageWebCryptoStore(unwrap(r) as number, passphrase);
  }

  private call(method: string, ...args: unknown[]): Promise<unknown> {
    const next = this.chain.then(async () =>
      unwrap(
        await page.evaluate(([id, m, a]) => sottoIdbHarness.storeCall(id, m, a), [
          this.id,
          method,
          wireEncode(args) as unknown[],
        ] as const),
      ),
    );
    this.chain = next.catch(() => undefined);
    return next;
  }

  get(table: string, key: StoreKey) {
    return this.call('get', table, key) as Promise<Uint8Array | undefined>;
  }
  async put(table: string, key: StoreKey, value: Uint8Array) {
    await this.call('put', table, key, value);
  }
  async delete(table: string, key: StoreKey) {
    await this.call('delete', table, key);
  }
  async batch(ops: readonly StoreOp[]) {
    await this.call('batch', ops);
  }
  scan(table: string, prefix: StoreKey = [], options: ScanOptions = {}) {
    return this.call('scan', table, prefix, options) as Promise<StoreEntry[]>;
  }
  encodeKey(table: string, key: StoreKey) {
    return this.call('encodeKey', table, key) as Promise<Uint8Array>;
  }
  async changePassphrase(newPassphrase: string) {
    await this.call('changePassphrase', this.passphrase, newPassphrase);
    this.passphrase = newPassphrase;
  }
  /** The old passphrase explicitly (to test a wrong one). */
  async changePassphraseFrom(oldPassphrase: string, newPassphrase: string) {
    await this.call('changePassphrase', oldPassphrase, newPassphrase);
    this.passphrase = newPassphrase;
  }
  lock(): void {
    void this.call('lock');
  }
  async close() {
    await this.call('close');
  }
  /** What the store holds, as described in the page (see the harness). */
  keys(): Promise<unknown> {
    return this.chain.then(() => page.evaluate((id) => sottoIdbHarness.storeKeys(id), this.id));
  }
}

export function zeroiseProbe(name: string): Promise<unknown> {
  return page.evaluate((n) => sottoIdbHarness.zeroiseProbe(n), name);
}
