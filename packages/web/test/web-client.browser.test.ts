/**
 * The web client in real Chromium against a real relay on 127.0.0.1 that serves the production build:
 * two isolated browser profiles create accounts, add each other, chat live both ways with delivery
 * state and unread counts; a link sent as a canary is never requested by either browser; and no
 * request ever leaves the relay's origin. (Safety numbers and locking: web-lock.browser.test.ts.) Screenshots go to test-artifacts/web/ (not committed).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { contentHash } from '../scripts/content-hash.mjs';
import { DIST, recordRequests, screenshot } from './helpers/browser.js';
import { startWebHarness, type WebHarness } from './helpers/harness.js';
import {
  addContact,
  createAccount,
  messageShown,
  myAddress,
  nav,
  openConversation,
  sendText,
} from './helpers/ui.js';

const PASS_A = 'alice passphrase 1';
const PASS_B = 'bob passphrase 22';

let web: WebHarness;
let a: Page;
let b: Page;
let requestsA: string[];
let requestsB: string[];
const cspViolations: string[] = [];
let canary: Server;
let canaryHits = 0;
let canaryUrl: string;

/** A browser profile's page, with its requests and CSP violations recorded. */
function profile(page: Page): { page: Page; requests: string[] } {
  const requests = recordRequests(page.context());
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
  return { page, requests };
}

before(async () => {
  canary = createServer((_req, res) => {
    canaryHits++;
    res.end('canary');
  });
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
  canaryUrl = `http://127.0.0.1:${(canary.address() as AddressInfo).port}/c/${crypto.randomUUID()}`;
  web = await startWebHarness();
  ({ page: a, requests: requestsA } = profile(web.page));
  ({ page: b, requests: requestsB } = profile(await web.newPage()));
});

after(async () => {
  await web?.close();
  await new Promise<void>((r) => (canary ? canary.close(() => r()) : r()));
});

void describe('web client in Chromium', () => {
  void it('creates two accounts in isolated profiles and shows the build hash', async () => {
    await b.goto(`${web.url}/`);
    await b.getByTestId('setup-screen').waitFor();
    await screenshot(b, '01-create-account');
    await Promise.all([createAccount(a, web.url, 'alice', PASS_A), createAccount(b, web.url, 'bob', PASS_B)]);
    const published = JSON.parse(readFileSync(join(DIST, 'build-info.json'), 'utf8')) as { sha256: string };
    assert.equal(contentHash(DIST).sha256, published.sha256, 'build-info.json matches the files served');
    assert.match(await a.getByTestId('build-hash').innerText(), new RegExp(published.sha256));
  });

  void it('shows my address as text and QR; adds contacts by @username and by address', async () => {
    const addrA = await myAddress(a);
    assert.match(addrA, /^sotto:/);
    assert.equal(await a.locator('img.qr').count(), 1);
    await screenshot(a, '02-my-address');
    await addContact(a, 'bob', '@bob');
    await addContact(b, 'alice', `  ${addrA}\n`); // pasted QR data, with the junk a clipboard adds
  });

  void it('says why a contact cannot be added (no name, own address, unknown username)', async () => {
    const addError = a.getByTestId('add-contact').getByTestId('error');
    const tryAdd = async (name: string, target: string, expected: RegExp): Promise<void> => {
      await nav(a, 'Chats');
      await a.locator('input[name=contact-name]').fill(name);
      await a.locator('textarea[name=contact-address]').fill(target);
      await a.getByRole('button', { name: 'Add', exact: true }).click();
      // Waits for this attempt's sentence (the previous attempt's error may still be on screen).
      await addError.filter({ hasText: expected }).waitFor();
    };
    await tryAdd('', '@bob', /^A contact name is 1-64 characters/);
    await tryAdd('me', await myAddress(a), /^That is your own address\.$/);
    await tryAdd('nobody', '@nobody_here', /^No one has that username on this relay\.$/);
    assert.equal(await a.getByTestId('conv-me').count(), 0);
  });

  void it('exchanges messages both ways live, with unread counts and delivery state', async () => {
    await nav(b, 'Chats');
    await openConversation(a, 'bob');
    await sendText(a, 'hello bob, from alice');
    await messageShown(a, 'hello bob, from alice');
    const unread = b.getByTestId('unread-alice');
    await unread.waitFor();
    assert.equal(await unread.innerText(), '1');
    await screenshot(b, '03-conversation-list-unread');

    await openConversation(b, 'alice');
    await messageShown(b, 'hello bob, from alice');
    await sendText(b, 'hi alice! bob here');
    await messageShown(b, 'hi alice! bob here');
    await messageShown(a, 'hi alice! bob here'); // live: alice never reloaded
    await a.locator('[data-testid=delivery-state][data-state=delivered]').first().waitFor();
    await screenshot(a, '04-conversation');
  });

  void it('works from the keyboard: a chat opened with Enter has the composer focused, Enter sends', async () => {
    await nav(b, 'Chats');
    await b.getByTestId('conv-alice').focus();
    await b.keyboard.press('Enter');
    await b.getByTestId('conversation-view').waitFor();
    await b.locator('textarea[name=message]:focus').waitFor();
    await b.keyboard.type('typed without a mouse');
    await b.keyboard.press('Enter');
    await messageShown(a, 'typed without a mouse');
  });

  void it('renders a link as non-clickable text with its domain highlighted, and never fetches it', async () => {
    await sendText(a, `look at ${canaryUrl} please`);
    await messageShown(b, 'please');
    const link = b.getByTestId('link').last();
    assert.equal(await link.evaluate((el) => el.closest('a') === null && el.tagName), 'SPAN');
    assert.equal(await b.locator('.messages a').count(), 0, 'no anchors in messages');
    assert.equal(await link.locator('mark.domain').innerText(), '127.0.0.1');
    await link.click(); // clicking the text opens nothing
    await screenshot(b, '05-link-as-text');
    assert.equal(canaryHits, 0, 'the canary listener saw no request');
    const port = new URL(canaryUrl).port;
    assert.deepEqual(
      [...requestsA, ...requestsB].filter((u) => u.includes(`:${port}`)),
      [],
      'neither browser requested the canary',
    );
  });

  void it('shows where a disguised link really goes, in brackets, with invisible characters spelled out', async () => {
    // A zero-width space and a percent-encoded dot both make "paypal.com" look like the site; the
    // URL parser goes to secure-login.net and evil.com.
    await sendText(
      a,
      'pay at https://paypal.com\u200b.secure-login.net/account or https://paypal.com%2eevil.com/x (disguise test)',
    );
    await messageShown(b, '(disguise test)');
    const links = b.getByTestId('link');
    const n = await links.count();
    const zw = links.nth(n - 2);
    const enc = links.nth(n - 1);
    assert.equal((await zw.locator('mark.domain').innerText()).trim(), '[secure-login.net]');
    assert.match(await zw.innerText(), /paypal\.com⟨U\+200B⟩\.secure-login\.net/);
    assert.match(await zw.getByTestId('link-warning').innerText(), /disguised/);
    assert.match(await zw.getByTestId('link-warning').innerText(), /invisible characters/);
    assert.equal((await enc.locator('mark.domain').innerText()).trim(), '[evil.com]');
    assert.match(await enc.getByTestId('link-warning').innerText(), /disguised/);
    assert.equal(await b.locator('.messages a').count(), 0, 'no anchors in messages');
  });

  void it('made no request outside the relay origin and hit no CSP violation', () => {
    const origin = new URL(web.url).origin;
    const foreign = [...requestsA, ...requestsB].filter(
      (u) =>
        !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith(origin.replace('http', 'ws')),
    );
    assert.deepEqual(foreign, []);
    assert.deepEqual(cspViolations, []);
    assert.equal(canaryHits, 0);
  });
});
