/**
 * Settings → Delete account in real Chromium against a real relay serving the production build, with
 * a Node `Messenger` as an onlooker that asks the relay about the account: the final button is armed
 * only by typing the word; a relay that cannot be reached (a route aborts the DELETE) is a clear error
 * and changes nothing (the relay still knows the account, the database is still there and unlocks
 * after a reload); a real deletion frees the username, makes the account unknown to the relay, erases
 * this browser's IndexedDB (waiting for a connection another tab held open), releases the tab lock and
 * ends at setup, where a new account with the same username can be created; a relay that no longer
 * knows this device (a route answers the DELETE 401 Unauthorized, as after the account or this device
 * was deleted from another device) says so and offers erasing this browser's data, which closes the
 * still-open Messenger, deletes the database and ends at setup.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page, Route, WebSocket as PageSocket } from 'playwright-core';
import { MessengerError, type Messenger } from '@sotto/client';
import { RelayError } from '@sotto/wire';
import { screenshot } from './helpers/browser.js';
import { startWebHarness, type WebHarness } from './helpers/harness.js';
import { createAccount, myAddress, nav, unlock } from './helpers/ui.js';

const PASS = 'dora passphrase 1';

let web: WebHarness;
let ctx: BrowserContext;
let page: Page;
let onlooker: Messenger;
let address: string;
/**
 * The WebSockets the page opened since it last loaded (the Messenger's connection to the relay).
 * Playwright never reports a socket closed by a reload, so the list starts again at each load.
 */
const sockets: PageSocket[] = [];

before(async () => {
  web = await startWebHarness({ context: { viewport: { width: 900, height: 900 } } });
  page = web.page;
  ctx = page.context();
  page.on('websocket', (ws) => sockets.push(ws));
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) sockets.length = 0;
  });
  onlooker = await web.nodeUser('olga', { connect: false });
  await createAccount(page, web.url, 'dora', PASS);
  address = await myAddress(page);
});

after(async () => {
  await web?.close();
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
const eraseButton = () => page.getByRole('button', { name: 'Erase this browser’s data' });
const confirmField = () => page.getByLabel('Type delete to confirm');

async function openConfirmation(): Promise<void> {
  await nav(page, 'Settings');
  await page.getByRole('button', { name: 'Delete account…' }).click();
  await confirmField().waitFor();
}

/** Opens the confirmation, types the word and presses the final button. */
async function confirmDeletion(): Promise<void> {
  await openConfirmation();
  await confirmField().fill('delete');
  await finalButton().click();
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
    await page.route(`${web.url}/v1/accounts/me`, handler);
    try {
      await confirmDeletion();
      const err = page.getByTestId('delete-account-error');
      await err.waitFor();
      assert.equal(
        await err.innerText(),
        'The relay cannot be reached. Check the relay URL and your connection.',
      );
      assert.ok(aborted >= 1, 'the DELETE never reached the route');
      // No erase step is offered (that is only for a relay that no longer knows this device).
      assert.equal(await eraseButton().count(), 0);
      assert.equal(await finalButton().isDisabled(), false);
      // Focus is back in the field; nothing left the unlocked app.
      await page.locator('input[name=confirm-delete]:focus').waitFor();
      await page.getByTestId('main-screen').waitFor();
    } finally {
      await page.unroute(`${web.url}/v1/accounts/me`, handler);
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
    await other.goto(`${web.url}/`);
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
    await confirmDeletion();
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
    await createAccount(page, web.url, 'dora', 'dora passphrase 2');
    assert.notEqual(await myAddress(page), address);
    assert.deepEqual(await databases(page), ['sotto']);
  });

  void it('a relay that no longer knows this device says so and offers erasing this browser, which ends at setup', async () => {
    // The page holds the account created at the end of the previous case. The relay's answer to a
    // device it no longer knows (account or device deleted elsewhere) is 401 {"error":"Unauthorized"}.
    let refused = 0;
    const handler = (route: Route) => {
      if (route.request().method() !== 'DELETE') return route.continue();
      refused++;
      return route.fulfill({
        status: 401,
        contentType: 'application/json',
        body: JSON.stringify({ error: 'Unauthorized' }),
      });
    };
    await page.route(`${web.url}/v1/accounts/me`, handler);
    try {
      await confirmDeletion();
      const err = page.getByTestId('delete-account-error');
      await err.waitFor();
      assert.equal(
        await err.innerText(),
        'The relay no longer knows this device: the account, or this device, was deleted from another device. Erase this browser’s data to finish.',
      );
      assert.equal(refused, 1);
    } finally {
      await page.unroute(`${web.url}/v1/accounts/me`, handler);
    }
    // The erase step is offered and focused; nothing is erased yet.
    await page.locator('button:focus', { hasText: 'Erase this browser’s data' }).waitFor();
    assert.equal(await finalButton().count(), 0);
    assert.deepEqual(await databases(page), ['sotto']);
    await screenshot(page, '15-delete-account-device-unknown');

    // The Messenger is still open, connected to the relay (which here still knows the device).
    const open = sockets.filter((ws) => !ws.isClosed());
    assert.ok(open.length >= 1, 'no open relay socket before erasing');
    await eraseButton().click();
    await page.getByTestId('setup-screen').waitFor();
    // Erasing closed the Messenger: its socket is closed, not left running behind setup.
    for (const ws of open) if (!ws.isClosed()) await ws.waitForEvent('close', { timeout: 5000 });
    assert.match(await page.getByTestId('setup-info').innerText(), /The relay no longer knew this device/);
    assert.deepEqual(await databases(page), []);
    const held = await page.evaluate(async () =>
      ((await navigator.locks.query()).held ?? []).map((l) => l.name),
    );
    assert.deepEqual(held, []);
    await page.reload();
    await page.getByTestId('setup-screen').waitFor();
  });
});
