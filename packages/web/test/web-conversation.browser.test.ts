/**
 * The conversation screen in real Chromium against a real relay, with a Node `Messenger` as the
 * contact: the composer is a growing textarea (Enter sends, Shift+Enter is a new line).
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { Browser, Page } from 'playwright-core';
import { MemoryKv, Messenger, type HistoryEntry } from '@sotto/client';
import type { WebSocketCtor } from '@sotto/wire';
import { ensureBuilt, launchChromium, startWebRelay, WAIT_MS, type WebRelay } from './helpers/browser.js';
import { addContact, createAccount, messageShown, openConversation } from './helpers/ui.js';

let relay: WebRelay;
let browser: Browser;
let page: Page;
let friend: Messenger;
const received: HistoryEntry[] = [];

before(async () => {
  ensureBuilt();
  relay = await startWebRelay();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 900, height: 760 } })).newPage();
  page.setDefaultTimeout(WAIT_MS);
  friend = await Messenger.create({
    store: new MemoryKv(),
    relayUrl: relay.url,
    username: 'nina',
    WebSocket: WebSocket as unknown as WebSocketCtor,
  });
  friend.on('message', ({ entry }) => received.push(entry));
  await friend.connect();
  await createAccount(page, relay.url, 'omar', 'omar passphrase 1');
  await addContact(page, 'nina', '@nina');
  await friend.addContact('omar', '@omar');
});

after(async () => {
  await friend?.close();
  await browser?.close();
  await relay?.close();
});

async function friendReceived(text: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!received.some((e) => e.text === text)) {
    if (Date.now() > deadline) throw new Error(`the friend never received ${JSON.stringify(text)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

void describe('the composer', () => {
  void it('is a textarea: Shift+Enter starts a new line, Enter sends both lines as one message', async () => {
    await openConversation(page, 'nina');
    const box = page.getByRole('textbox', { name: 'Message to nina' });
    assert.equal(await box.evaluate((el) => el.tagName), 'TEXTAREA');
    await box.focus();
    await page.keyboard.type('first line');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('second line');
    assert.equal(await box.inputValue(), 'first line\nsecond line', 'Shift+Enter did not send');
    await page.keyboard.press('Enter');
    await friendReceived('first line\nsecond line');
    await messageShown(page, 'second line');
    assert.equal(await box.inputValue(), '', 'cleared once sent');
  });

  void it('grows with its lines up to a maximum height, then scrolls; shrinks back once sent', async () => {
    const box = page.getByRole('textbox', { name: 'Message to nina' });
    const height = () => box.evaluate((el) => el.getBoundingClientRect().height);
    const empty = await height();
    await box.fill('one\ntwo\nthree');
    const three = await height();
    assert.ok(three > empty * 1.8, `three lines are taller (${three}px) than one (${empty}px)`);
    await box.fill(Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n'));
    const forty = await height();
    assert.ok(forty > three, 'still growing past three lines');
    assert.ok(forty < 400, `capped (${forty}px), not 40 lines tall`);
    assert.ok(await box.evaluate((el) => el.scrollHeight > el.clientHeight + 50), 'the rest scrolls');
    await page.keyboard.press('Enter');
    await friendReceived(Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n'));
    await page.waitForFunction(
      (h) => (document.querySelector('textarea[name=message]')?.getBoundingClientRect().height ?? 0) <= h,
      empty,
    );
  });
});
