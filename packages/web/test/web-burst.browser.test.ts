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
import type { Page } from 'playwright-core';
import { WAIT_MS } from './helpers/browser.js';
import { startWebHarness, type WebHarness } from './helpers/harness.js';
import { addContact, createAccount, messageShown, myAddress, nav } from './helpers/ui.js';

const BURST = 205;

let web: WebHarness;
let page: Page;

before(async () => {
  web = await startWebHarness();
  page = web.page;
});

after(async () => {
  await web?.close();
});

void describe('the web chat list during a burst of incoming messages', () => {
  void it(`shows the last of ${BURST} messages and their unread count`, async (t) => {
    const carol = await web.nodeUser('carol');
    await createAccount(page, web.url, 'dave', 'dave passphrase 1');
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
