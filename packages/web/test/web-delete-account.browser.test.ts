/**
 * Settings → Delete account in real Chromium against a real relay serving the production build, with
 * a Node `Messenger` as an onlooker that asks the relay about the account: the final button is armed
 * only by typing the word; a relay that cannot be reached (a route aborts the DELETE) is a clear error
 * and changes nothing (the relay still knows the account, the database is still there and unlocks
 * after a reload); a real deletion frees the username, makes the account unknown to the relay, erases
 * this browser's IndexedDB (waiting for a connection another tab held open), releases the tab lock and
 * ends at setup, where a new account with the same username can be created.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { MemoryKv, Messenger, MessengerError } from '@sotto/client';
import { RelayError, type WebSocketCtor } from '@sotto/wire';
import {
  ensureBuilt,
  launchChromium,
  screenshot,
  startWebRelay,
  WAIT_MS,
  type WebRelay,
} from './helpers/browser.js';
import { createAccount, myAddress, nav, unlock } from './helpers/ui.js';

const PASS = 'dora passphrase 1';

let relay: WebRelay;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let onlooker: Messenger;
let address: string;

before(async () => {
  ensureBuilt();
  relay = await startWebRelay();
  browser = await launchChromium();
  ctx = await browser.newContext({ viewport: { width: 900, height: 900 } });
  page = await ctx.newPage();
  page.setDefaultTimeout(WAIT_MS);
  onlooker = await Messenger.create({
    store: new MemoryKv(),
    relayUrl: relay.url,
    username: 'olga',
    WebSocket: WebSocket as unknown as WebSocketCtor,
  });
  await createAccount(page, relay.url, 'dora', PASS);
  address = await myAddress(page);
});

after(async () => {
  await onlooker?.close();
  await browser?.close();
  await relay?.close();
});

/** The names of this origin's IndexedDB databases, as the page sees them. */
function databases(p: Page): Promise<string[]> {
  return p.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? '').sort());
}

/** The relay error code behind a Messenger error (e.g. AccountNotFound), or what was thrown. */
async function relayCode(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
  } catch (e) {
    if (MessengerError.is(e) && RelayError.is(e.cause)) return e.cause.code;
    throw e;
  }
  return 'succeeded';
}

const finalButton = () => page.getByRole('button', { name: 'Delete account permanently' });
const confirmField = () => page.getByLabel('Type delete to confirm');

async function openConfirmation(): Promise<void> {
  await nav(page, 'Settings');
  await page.getByRole('button', { name: 'Delete account…' }).click();
  await confirmField().waitFor();
}

void describe('deleting the account in Chromium', () => {
  void it('arms the final button only once the word is typed; focus moves in and back on Cancel', async () => {
    await openConfirmation();
    // Focus went to the labelled field (every wait fails after WAIT_MS).
    await page.locator('input[name=confirm-delete]:focus').waitFor();
    assert.equal(await finalButton().isDisabled(), true);
    for (const wrong of ['delet', 'deleted', 'yes']) {
      await confirmField().fill(wrong);
      assert.equal(await finalButton().isDisabled(), true, `armed by ${JSON.stringify(wrong)}`);
    }
    await confirmField().fill('delete');
    assert.equal(await finalButton().isDisabled(), false);
    await screenshot(page, '13-delete-account-confirm');
    // Cancel closes it, clears the word and returns focus to the opener.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await confirmField().waitFor({ state: 'detached' });
    await page.locator('button:focus', { hasText: 'Delete account…' }).waitFor();
    await page.getByRole('button', { name: 'Delete account…' }).click();
    assert.equal(await confirmField().inputValue(), '');
    assert.equal(await finalButton().isDisabled(), true);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await confirmField().waitFor({ state: 'detached' });
  });

  void it('an unreachable relay is a clear error and changes nothing, here or on the relay', async () => {
    let aborted = 0;
    const handler = (route: Route) => {
      if (route.request().method() !== 'DELETE') return route.continue();
      aborted++;
      return route.abort('connectionrefused');
    };
    await page.route(`${relay.url}/v1/accounts/me`, handler);
    try {
      await openConfirmation();
      await confirmField().fill('delete');
      await finalButton().click();
      const err = page.getByTestId('delete-account-error');
      await err.waitFor();
      assert.equal(
        await err.innerText(),
        'The relay cannot be reached. Check the relay URL and your connection.',
      );
      assert.ok(aborted >= 1, 'the DELETE never reached the route');
      // Focus is back in the field; nothing left the unlocked app.
      await page.locator('input[name=confirm-delete]:focus').waitFor();
      await page.getByTestId('main-screen').waitFor();
    } finally {
      await page.unroute(`${relay.url}/v1/accounts/me`, handler);
    }
    assert.deepEqual(await databases(page), ['sotto']);
    // The relay still knows the account, by username and by address.
    assert.equal(await relayCode(() => onlooker.addContact('dora', '@dora')), 'succeeded');
    await onlooker.removeContact('dora');
    assert.equal(await relayCode(() => onlooker.addContact('dora', address)), 'succeeded');
    // The local store is intact: after a reload it unlocks with the passphrase.
    await page.reload();
    await unlock(page, PASS);
    await page.getByTestId('main-screen').waitFor();
    assert.equal(await myAddress(page), address);
  });

  void it('deletes the account on the relay, erases IndexedDB (waiting for a held connection), releases the tab lock and shows setup', async () => {
    // Another tab of this profile holds the database open without stepping aside on versionchange,
    // so the deletion is blocked until it lets go.
    const other = await ctx.newPage();
    await other.goto(`${relay.url}/`);
    await other.getByTestId('unlock-screen').waitFor();
    await other.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const req = indexedDB.open('sotto');
          req.onsuccess = () => {
            (globalThis as unknown as { heldDb: IDBDatabase }).heldDb = req.result;
            resolve();
          };
          req.onerror = () => reject(new Error('open failed'));
        }),
    );
    await openConfirmation();
    await confirmField().fill('delete');
    await finalButton().click();
    const status = page.getByTestId('delete-account-status');
    await status.filter({ hasText: 'waiting for other Sotto tabs' }).waitFor();
    // Blocked: the relay step is done, the database is still there and setup is not shown yet.
    assert.equal(await page.getByTestId('setup-screen').count(), 0);
    assert.deepEqual(await databases(page), ['sotto']);
    await other.evaluate(() => (globalThis as unknown as { heldDb: IDBDatabase }).heldDb.close());
    await page.getByTestId('setup-screen').waitFor();
    assert.match(await page.getByTestId('setup-info').innerText(), /Your account was deleted on the relay/);
    await page.locator('[data-testid=setup-info]:focus').waitFor();
    await screenshot(page, '14-account-deleted-setup');

    // This browser: no database left, nothing in web storage, the tab lock is free.
    assert.deepEqual(await databases(page), []);
    assert.deepEqual(await page.evaluate(() => [localStorage.length, sessionStorage.length]), [0, 0]);
    const held = await page.evaluate(async () =>
      ((await navigator.locks.query()).held ?? []).map((l) => l.name),
    );
    assert.deepEqual(held, []);

    // The relay: the account is unknown by address, and the username is free.
    assert.equal(await relayCode(() => onlooker.addContact('dora2', address)), 'AccountNotFound');
    assert.equal(await relayCode(() => onlooker.addContact('dora3', '@dora')), 'UsernameNotFound');

    // A reload is a fresh profile (setup, not unlock), and a new account can take the freed name.
    await other.close();
    await page.reload();
    await page.getByTestId('setup-screen').waitFor();
    await createAccount(page, relay.url, 'dora', 'dora passphrase 2');
    assert.notEqual(await myAddress(page), address);
    assert.deepEqual(await databases(page), ['sotto']);
  });
});
