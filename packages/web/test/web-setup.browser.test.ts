/**
 * Account setup's relay field in real Chromium: the web client only uses the relay that served it
 * (CSP connect-src and per-origin IndexedDB), so another relay's URL is refused with the reason
 * before anything is contacted, and a malformed URL is a clear error. Nothing is created. A malformed
 * username is refused before the account is created; a taken one leaves the account created (as the
 * CLI's init) and the form asks for another username instead of dead-ending; an attempt that could not
 * reach the relay leaves nothing behind, so it can simply be repeated; one cut short by a reload is
 * recognised at unlock (a store with no account) and setup is offered again. After setup, Settings
 * sets, changes and removes the username on the relay.
 */
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Page, Route } from 'playwright-core';
import { recordRequests, screenshot } from './helpers/browser.js';
import { startWebHarness, type WebHarness } from './helpers/harness.js';
import { createAccount, myAddress, nav, unlock } from './helpers/ui.js';

let web: WebHarness;
let page: Page;
let requests: string[];
let other: Server;
let otherUrl: string;
let otherHits = 0;

before(async () => {
  // "Another relay": a loopback listener that counts every request it gets.
  other = createServer((_req, res) => {
    otherHits++;
    res.end();
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  web = await startWebHarness();
  page = web.page;
  requests = recordRequests(page.context());
});

after(async () => {
  await web?.close();
  await new Promise((r) => other?.close(r));
});

/** Opens the app at the relay and waits for the setup screen. */
async function openSetup(p: Page): Promise<void> {
  await p.goto(`${web.url}/`);
  await p.getByTestId('setup-screen').waitFor();
}

/** Fills the setup form (the passphrase twice; username and relay URL when given) and presses Create account. */
async function submitSetup(
  p: Page,
  fields: { passphrase: string; username?: string; relayUrl?: string },
): Promise<void> {
  if (fields.username !== undefined) await p.locator('input[name=username]').fill(fields.username);
  await p.locator('input[name=passphrase]').fill(fields.passphrase);
  await p.locator('input[name=passphrase2]').fill(fields.passphrase);
  if (fields.relayUrl !== undefined) await p.locator('input[name=relay]').fill(fields.relayUrl);
  await p.getByRole('button', { name: 'Create account' }).click();
}

async function trySetup(relayUrl: string): Promise<string> {
  await openSetup(page);
  assert.equal(await page.locator('input[name=relay]').inputValue(), web.url, 'defaults to the origin');
  await submitSetup(page, { passphrase: 'grace passphrase 1', relayUrl });
  const err = page.getByTestId('error');
  await err.waitFor();
  return err.innerText();
}

void describe('account setup: the relay is the origin that served the app', () => {
  void it('refuses another relay with the reason, without contacting it', async () => {
    const text = await trySetup(otherUrl);
    assert.match(text, /can only use the relay that served it/);
    assert.match(text, /sotto command-line client/);
    await screenshot(page, '00-setup-other-relay-refused');
    assert.equal(otherHits, 0);
    assert.deepEqual(
      requests.filter((u) => u.startsWith(otherUrl)),
      [],
    );
    assert.equal(await page.getByTestId('setup-screen').count(), 1, 'still on setup: nothing created');
  });

  void it('says a malformed relay URL is not a URL', async () => {
    assert.match(await trySetup('relay dot example'), /not a valid URL/);
    assert.match(await trySetup(`${web.url}/some/path`), /no path, query or login/);
  });
});

void describe('account setup: usernames', () => {
  async function fillSetup(username: string): Promise<void> {
    await openSetup(page);
    await submitSetup(page, { passphrase: 'hana passphrase 1', username });
  }

  void it('refuses a malformed username before creating anything', async () => {
    await fillSetup('9 lives!');
    assert.match(await page.getByTestId('error').innerText(), /not valid.*starting with a letter/);
    await page.reload();
    await page.getByTestId('setup-screen').waitFor(); // not "locked": no account was created
  });

  void it('after a taken username, keeps the created account and claims another name', async () => {
    await web.nodeUser('hana', { connect: false });
    await fillSetup('hana');
    const err = page.getByTestId('error');
    await err.waitFor();
    assert.match(await err.innerText(), /That username is taken\. Your account was created/);
    // Only the username is asked for now; the passphrase already encrypts the stored account.
    assert.equal(await page.locator('input[name=passphrase]').count(), 0);
    await page.locator('input[name=username]').fill('hana_2');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByTestId('main-screen').waitFor();
    assert.match(await myAddress(page), /^sotto:/);
    assert.equal(await page.getByTestId('my-username').innerText(), '@hana_2');
    await screenshot(page, '12-setup-username-taken-recovered');
  });
});

void describe('account setup: the relay unreachable', () => {
  void it('after an attempt that could not reach the relay, Create account simply works the next time', async () => {
    const p = await web.newPage();
    const ctx = p.context();
    try {
      await openSetup(p);
      // The relay's API goes away after the page loaded (the page itself is already here).
      await p.route('**/v1/**', (route) => route.abort('connectionrefused'));
      await submitSetup(p, { passphrase: 'ivo passphrase 1', username: 'ivo' });
      await p.getByTestId('error').filter({ hasText: 'The relay cannot be reached' }).waitFor();
      await p.unroute('**/v1/**');
      await p.getByRole('button', { name: 'Create account' }).click();
      await p.getByTestId('main-screen').waitFor();
      await myAddress(p);
      assert.equal(await p.getByTestId('my-username').innerText(), '@ivo');
    } finally {
      await ctx.close();
    }
  });

  void it('a setup cut short (page closed before the relay answered) can be redone after unlocking says so', async () => {
    const p = await web.newPage();
    const ctx = p.context();
    try {
      await openSetup(p);
      // The relay never answers the registration; the user gives up and reloads the page. The held
      // request must never reach the relay: removing the route while it is still held would let it
      // through (Chromium continues paused requests when interception stops), and the account would
      // then exist. So the page reloads first, which cancels it, and the held route is aborted after.
      const held: Route[] = [];
      await p.route('**/v1/**', (route) => void held.push(route));
      const registering = p.waitForRequest('**/v1/**');
      await submitSetup(p, { passphrase: 'jon passphrase 1' });
      await registering;
      await p.reload();
      await p.getByTestId('unlock-screen').waitFor();
      await Promise.all(held.map((r) => r.abort().catch(() => undefined)));
      await p.unrouteAll({ behavior: 'ignoreErrors' });
      await unlock(p, 'jon passphrase 1');
      const notice = p.getByTestId('setup-notice');
      await notice.waitFor();
      assert.match(await notice.innerText(), /never finished.*Create the account again/);
      await submitSetup(p, { passphrase: 'jon passphrase 1' });
      await p.getByTestId('main-screen').waitFor();
    } finally {
      await ctx.close();
    }
  });
});

void describe('after setup: the username in Settings', () => {
  void it('changes the username on the relay (a malformed or taken one is refused with the reason) and removes it', async () => {
    const p = await web.newPage();
    const ctx = p.context();
    // Someone else on the relay, who looks usernames up and holds one already.
    const other = await web.nodeUser('vera', { connect: false });
    try {
      await createAccount(p, web.url, 'ulla', 'ulla passphrase 1');
      await nav(p, 'Settings');
      const form = p.getByTestId('username-form');
      assert.equal(await form.getByTestId('settings-username').innerText(), 'Your username is @ulla.');
      const change = async (name: string) => {
        await form.locator('input[name=new-username]').fill(name);
        await form.getByRole('button', { name: 'Change username' }).click();
      };
      await change('9 lives');
      assert.match(await form.getByTestId('error').innerText(), /not valid.*starting with a letter/);
      await change('@vera');
      await form.getByTestId('error').filter({ hasText: 'That username is taken.' }).waitFor();

      await change('@ulla_new');
      await form.getByRole('status').filter({ hasText: 'Your username is now @ulla_new.' }).waitFor();
      assert.equal(await form.getByTestId('settings-username').innerText(), 'Your username is @ulla_new.');
      assert.equal(await form.getByTestId('error').count(), 0);
      await myAddress(p);
      assert.equal(await p.getByTestId('my-username').innerText(), '@ulla_new');
      // On the relay: the new name finds this account, the old one is free.
      const added = await other.addContact('ulla', '@ulla_new');
      await assert.rejects(other.addContact('old', '@ulla'), { code: 'UsernameNotFound' });

      await nav(p, 'Settings');
      assert.match(
        await p.getByTestId('settings-view').innerText(),
        new RegExp(added.accountId),
        'this account',
      );
      await form.getByRole('button', { name: 'Remove username' }).click();
      await form.getByRole('status').filter({ hasText: 'Your username is removed.' }).waitFor();
      assert.equal(await form.getByTestId('settings-username').innerText(), 'You have no username.');
      await assert.rejects(other.addContact('gone', '@ulla_new'), { code: 'UsernameNotFound' });
      await myAddress(p);
      assert.equal(await p.getByTestId('my-username').count(), 0);
    } finally {
      await other.close();
      await ctx.close();
    }
  });
});
