/**
 * The set-up the web browser tests all need, in one place instead of a copy in every file: the web
 * build (built when missing), a real relay on 127.0.0.1:0 serving it, Debian's Chromium with the
 * project's flags (helpers/browser.ts), a first page (900×760 unless a test needs another context)
 * with the default timeout WAIT_MS, and Node users (a @sotto/client Messenger on the same relay).
 * close() undoes it in the order the tests always did: Node users, then the browser, then the relay.
 */
import WebSocket from 'ws';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { MemoryKv, Messenger } from '@sotto/client';
import type { WebSocketCtor } from '@sotto/wire';
import { ensureBuilt, launchChromium, startWebRelay, WAIT_MS, type WebRelay } from './browser.js';

export const VIEWPORT = { width: 900, height: 760 };

export interface WebHarnessOptions {
  /** The first page's browser context (viewport, locale, …); the viewport defaults to VIEWPORT. */
  context?: BrowserContextOptions;
  /** A relay already started with startWebRelay, which the harness then owns; default: a new one. */
  relay?: WebRelay;
}

/** Messenger.create options for a Node user, and whether to connect it (default true). */
export type NodeUserOptions = Partial<
  Omit<Parameters<typeof Messenger.create>[0], 'relayUrl' | 'username'>
> & {
  connect?: boolean;
};

export interface WebHarness {
  relay: WebRelay;
  /** The relay's URL (the web client's origin). */
  url: string;
  browser: Browser;
  /** A page in its own context (a browser profile), made with the `context` option. */
  page: Page;
  /** Another page in a new context (a separate browser profile), with the default timeout set. */
  newPage(context?: BrowserContextOptions): Promise<Page>;
  /** A Node user on the same relay, in memory; closed by close(). */
  nodeUser(username: string, options?: NodeUserOptions): Promise<Messenger>;
  close(): Promise<void>;
}

export async function startWebHarness(options: WebHarnessOptions = {}): Promise<WebHarness> {
  ensureBuilt();
  const relay = options.relay ?? (await startWebRelay());
  let browser: Browser | undefined;
  const nodeUsers: Messenger[] = [];
  const close = async () => {
    await Promise.allSettled(nodeUsers.map((m) => m.close()));
    try {
      await browser?.close();
    } finally {
      await relay.close();
    }
  };
  const newPage = async (context?: BrowserContextOptions) => {
    const page = await browser!.newContext({ viewport: VIEWPORT, ...context }).then((c) => c.newPage());
    page.setDefaultTimeout(WAIT_MS);
    return page;
  };
  try {
    browser = await launchChromium();
    return {
      relay,
      url: relay.url,
      browser,
      page: await newPage(options.context),
      newPage,
      async nodeUser(username, { connect = true, ...opts } = {}) {
        const m = await Messenger.create({
          store: new MemoryKv(),
          WebSocket: WebSocket as unknown as WebSocketCtor,
          ...opts,
          relayUrl: relay.url,
          username,
        });
        nodeUsers.push(m);
        if (connect) await m.connect();
        return m;
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
