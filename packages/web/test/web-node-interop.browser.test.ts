/**
 * A browser user and a Node client user (the @sotto/client Messenger the `sotto` CLI is built on)
 * chat through the same relay; then the Node user re-registers under the same username with a new
 * identity key, and the browser shows the loud, blocking identity-change banner until accepted.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { Browser, Page } from 'playwright-core';
import { MemoryKv, Messenger, type HistoryEntry } from '@sotto/client';
import type { WebSocketCtor } from '@sotto/wire';
import {
  ensureBuilt,
  launchChromium,
  screenshot,
  startWebRelay,
  WAIT_MS,
  type WebRelay,
} from './helpers/browser.js';
import {
  addContact,
  createAccount,
  messageShown,
  myAddress,
  openConversation,
  sendText,
} from './helpers/ui.js';

let relay: WebRelay;
let browser: Browser;
let page: Page;
const nodeUsers: Messenger[] = [];

async function nodeUser(username: string): Promise<Messenger> {
  const m = await Messenger.create({
    store: new MemoryKv(),
    relayUrl: relay.url,
    username,
    WebSocket: WebSocket as unknown as WebSocketCtor,
  });
  nodeUsers.push(m);
  await m.connect();
  return m;
}

/** Resolves with the first incoming message whose text matches. */
function incoming(m: Messenger, text: string): Promise<{ contact: string; entry: HistoryEntry }> {
  return new Promise((resolve) => {
    const off = m.on('message', (ev) => {
      if (ev.entry.text === text) {
        off();
        resolve(ev);
      }
    });
  });
}

before(async () => {
  ensureBuilt();
  relay = await startWebRelay();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 900, height: 760 } })).newPage();
  page.setDefaultTimeout(WAIT_MS);
});

after(async () => {
  await Promise.allSettled(nodeUsers.map((m) => m.close()));
  await browser?.close();
  await relay?.close();
});

void describe('browser and Node client on one relay', () => {
  let carol: Messenger;

  void it('exchange messages both ways', async () => {
    carol = await nodeUser('carol');
    await createAccount(page, relay.url, 'dave', 'dave passphrase 1');
    await addContact(page, 'carol', '@carol');
    const got = incoming(carol, 'hi carol, from a browser');
    await sendText(page, 'hi carol, from a browser');
    const ev = await got;
    assert.equal(ev.contact, 'dave', 'the stranger is named after their username');
    await (
      await carol.send(ev.contact, 'hi dave, from node')
    ).accepted;
    await messageShown(page, 'hi dave, from node');
  });

  void it('a changed identity key shows a blocking banner until accepted', async () => {
    const daveAddress = await myAddress(page);
    await openConversation(page, 'carol');
    // Carol "reinstalls": a new account and identity that takes over her username.
    await carol.deleteUsername();
    await carol.close();
    const carol2 = await nodeUser('carol');
    await carol2.addContact('dave', daveAddress);
    await (
      await carol2.send('dave', 'new phone, same carol')
    ).accepted;

    const banner = page.getByTestId('identity-banner');
    await banner.waitFor();
    assert.match(await banner.innerText(), /carol's safety number changed/);
    assert.equal(
      await page.locator('main').getAttribute('aria-hidden'),
      'true',
      'the app behind it is blocked',
    );
    await screenshot(page, '09-identity-changed-banner');
    assert.equal(
      await page.getByTestId('message').filter({ hasText: 'new phone' }).count(),
      0,
      'held until accepted',
    );

    await page.getByTestId('identity-accept').click();
    await banner.waitFor({ state: 'detached' });
    await page.getByTestId('safety-view').waitFor();
    await openConversation(page, 'carol');
    await messageShown(page, 'new phone, same carol');
    const back = incoming(carol2, 'welcome back');
    await sendText(page, 'welcome back');
    await back;
  });
});
