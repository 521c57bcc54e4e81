/**
 * A burst of incoming messages while the chat list is open: the list must end on the newest message
 * and the full unread count (the coalesced refreshes of src/ui/coalesce.ts must not drop the last
 * update). Before the history summary (client local-state.ts hl/), every message made the list
 * decrypt the whole conversation; a colleague measured over 90 s for 205 messages. The test waits for
 * the end state only (each wait bounded by WAIT_MS); the time it took is printed as a diagnostic,
 * not asserted (performance goals live in benchmarks).
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { Browser, Page } from 'playwright-core';
import { MemoryKv, Messenger } from '@sotto/client';
import type { WebSocketCtor } from '@sotto/wire';
import { ensureBuilt, launchChromium, startWebRelay, WAIT_MS, type WebRelay } from './helpers/browser.js';
import { addContact, createAccount, messageShown, myAddress, nav } from './helpers/ui.js';

const BURST = 205;

let relay: WebRelay;
let browser: Browser;
let page: Page;
let carol: Messenger | undefined;

before(async () => {
  ensureBuilt();
  relay = await startWebRelay();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 900, height: 760 } })).newPage();
  page.setDefaultTimeout(WAIT_MS);
});

after(async () => {
  await carol?.close();
  await browser?.close();
  await relay?.close();
});

void describe('the web chat list during a burst of incoming messages', () => {
  void it(`shows the last of ${BURST} messages and their unread count`, async (t) => {
    carol = await Messenger.create({
      store: new MemoryKv(),
      relayUrl: relay.url,
      username: 'carol',
      WebSocket: WebSocket as unknown as WebSocketCtor,
    });
    await carol.connect();
    await createAccount(page, relay.url, 'dave', 'dave passphrase 1');
    await carol.addContact('dave', await myAddress(page));
    await addContact(page, 'carol', '@carol');
    await (
      await carol.send('dave', 'first')
    ).accepted;
    await messageShown(page, 'first');
    await nav(page, 'Chats');
    await page.getByTestId('conv-carol').waitFor();

    const started = Date.now();
    const sent = [];
    for (let i = 1; i <= BURST; i++) sent.push((await carol.send('dave', `burst ${i}`)).accepted);
    await Promise.all(sent);
    await page
      .getByTestId('unread-carol')
      .filter({ hasText: new RegExp(`^${BURST}$`) })
      .waitFor({ timeout: WAIT_MS });
    // History is ordered by (sender's sentAt, message id): texts sent in the same millisecond sort
    // by id, so the last one is not always "burst 205". Carol's copy has the same keys as dave's.
    const last = (await carol.history('dave', 1))[0]!.text;
    assert.match(last, /^burst \d+$/);
    await page
      .getByTestId('conv-carol')
      .locator('.conv-last')
      .filter({ hasText: new RegExp(`^${last}$`) })
      .waitFor({ timeout: WAIT_MS });
    t.diagnostic(`${BURST} messages sent and shown in the chat list in ${Date.now() - started} ms`);
    assert.equal(await page.getByTestId('unread-carol').innerText(), String(BURST));
  });
});
