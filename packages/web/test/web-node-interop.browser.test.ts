/**
 * A browser user and a Node client user (the @sotto/client Messenger the `sotto` CLI is built on)
 * chat through the same relay (a multi-line right-to-left message keeps its lines and direction, and
 * the screen-reader announcer reads it once); then the Node user re-registers under the same username with a new
 * identity key, and the browser shows the loud identity-change banner that blocks the whole app.
 * Cancelling it keeps the contact blocked (no composer, messages held, banner back after a restart)
 * until the user accepts the new safety number, on the safety screen or on the banner.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { HistoryEntry, Messenger } from '@sotto/client';
import { screenshot } from './helpers/browser.js';
import { startWebHarness, type WebHarness } from './helpers/harness.js';
import {
  addContact,
  createAccount,
  messageShown,
  myAddress,
  openConversation,
  sendText,
  unlock,
} from './helpers/ui.js';

const DAVE_PASS = 'dave passphrase 1';

let web: WebHarness;
let page: Page;

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
  web = await startWebHarness();
  page = web.page;
});

after(async () => {
  await web?.close();
});

void describe('browser and Node client on one relay', () => {
  let carol: Messenger;
  let daveAddress: string;

  void it('exchange messages both ways', async () => {
    carol = await web.nodeUser('carol');
    await createAccount(page, web.url, 'dave', DAVE_PASS);
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

  void it('shows a multi-line right-to-left message as written, in a labelled list; a screen reader hears it once', async () => {
    const text = 'مرحبا دیو!\nالسطر الثاني: 123';
    await (
      await carol.send('dave', text)
    ).accepted;
    const msg = page.getByTestId('message').filter({ hasText: 'السطر الثاني' });
    await msg.waitFor();
    const shownText = msg.locator('.text');
    // The sender's line break is kept (not collapsed to a space) and the text runs right to left.
    assert.equal(await shownText.innerText(), text);
    assert.equal(await shownText.evaluate((e) => getComputedStyle(e).direction), 'rtl');
    // The list is a labelled list, not a live region; the new message is announced politely, once,
    // by the announcer (web-announcer.browser.test.ts); the composer has an accessible name, not
    // just a placeholder.
    const list = page.getByRole('list', { name: 'Messages with carol' });
    assert.equal(await list.getAttribute('aria-live'), null);
    assert.equal(await list.getByTestId('message').filter({ hasText: 'السطر الثاني' }).count(), 1);
    const announcer = page.getByTestId('announcer');
    assert.equal(await announcer.getAttribute('aria-live'), 'polite');
    const said = announcer.locator('p').filter({ hasText: 'السطر الثاني' });
    await said.waitFor({ state: 'attached' });
    assert.deepEqual(await said.allTextContents(), [`carol: ${text}`]);
    assert.equal(await page.getByRole('textbox', { name: 'Message to carol' }).count(), 1);
  });

  let carol2: Messenger;
  const banner = () => page.getByTestId('identity-banner');
  const shown = (text: string) => page.getByTestId('message').filter({ hasText: text }).count();

  void it('a changed identity key shows a loud banner that blocks the whole app', async () => {
    daveAddress = await myAddress(page);
    await openConversation(page, 'carol');
    // Carol "reinstalls": a new account and identity that takes over her username.
    await carol.deleteUsername();
    await carol.close();
    carol2 = await web.nodeUser('carol');
    await carol2.addContact('dave', daveAddress);
    await (
      await carol2.send('dave', 'new phone, same carol')
    ).accepted;

    await banner().waitFor();
    assert.match(await banner().innerText(), /carol's safety number changed/);
    await screenshot(page, '09-identity-changed-banner');
    // Blocking: everything behind is inert and hidden from assistive tech, the banner covers the
    // nav and the conversation (a click there lands on the overlay), and keyboard focus is inside it.
    const state = await page.evaluate(() => {
      const overlay = document.querySelector('[data-testid=identity-banner]')!;
      const [navCovered, convCovered] = ['[data-testid=lock]', '[data-testid=open-safety]'].map((sel) => {
        const r = document.querySelector(sel)!.getBoundingClientRect();
        return overlay.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
      });
      return {
        mainInert: document.querySelector('main')!.inert,
        headerInert: document.querySelector('header')!.inert,
        ariaHidden: document.querySelector('main')!.getAttribute('aria-hidden'),
        navCovered,
        convCovered,
        focusInside: overlay.contains(document.activeElement),
      };
    });
    assert.deepEqual(state, {
      mainInert: true,
      headerInert: true,
      ariaHidden: 'true',
      navCovered: true,
      convCovered: true,
      focusInside: true,
    });
    for (let i = 0; i < 6; i++) await page.keyboard.press('Tab');
    assert.ok(
      await page.evaluate(() =>
        document.querySelector('[data-testid=identity-banner]')!.contains(document.activeElement),
      ),
      'Tab never leaves the banner',
    );
    assert.equal(await shown('new phone'), 0, 'held until accepted');
  });

  void it('Cancel hides the banner but keeps carol blocked: no composer, messages held, not verifiable', async () => {
    await page.getByTestId('identity-cancel').click();
    await banner().waitFor({ state: 'detached' });
    assert.equal(await page.locator('main').getAttribute('aria-hidden'), 'false');
    await openConversation(page, 'carol');
    await page.getByTestId('sending-blocked').waitFor();
    assert.equal(await page.locator('[name=message]').count(), 0, 'no way to send');
    await (
      await carol2.send('dave', 'second try while blocked')
    ).accepted;
    assert.equal(await shown('new phone'), 0);
    assert.equal(await shown('second try'), 0);
    await screenshot(page, '11-identity-cancelled-blocked');

    // The safety screen shows the new key's number and only offers accepting it, not verifying.
    await page.getByTestId('review-identity').click();
    await page.getByTestId('identity-pending').waitFor();
    assert.equal(await page.getByTestId('trust').getAttribute('data-trust'), 'changed');
    assert.equal(await page.getByTestId('mark-verified').count(), 0);

    // Cancelling lasts for this session only: after a reload and unlock the banner is back.
    await page.reload();
    await unlock(page, DAVE_PASS);
    await banner().waitFor();
    await page.getByTestId('identity-cancel').click();
    await banner().waitFor({ state: 'detached' });
    await openConversation(page, 'carol');
    await page.getByTestId('sending-blocked').waitFor();
    assert.equal(await shown('new phone'), 0, 'still held after a restart');
  });

  void it('accepting on the safety screen releases the held messages and sending works again', async () => {
    await page.getByTestId('review-identity').click();
    await page.getByTestId('safety-accept').click();
    await page.locator('[data-testid=trust][data-trust=unverified]').waitFor();
    assert.equal(await page.getByTestId('identity-pending').count(), 0);
    await openConversation(page, 'carol');
    await messageShown(page, 'new phone, same carol');
    await messageShown(page, 'second try while blocked');
    const back = incoming(carol2, 'welcome back');
    await sendText(page, 'welcome back');
    await back;
  });

  void it('accepting on the banner itself works too (a second change)', async () => {
    await carol2.deleteUsername();
    await carol2.close();
    const carol3 = await web.nodeUser('carol');
    await carol3.addContact('dave', daveAddress);
    await (
      await carol3.send('dave', 'third phone')
    ).accepted;
    await banner().waitFor();
    await page.getByTestId('identity-accept').click();
    await banner().waitFor({ state: 'detached' });
    await page.getByTestId('safety-view').waitFor();
    await openConversation(page, 'carol');
    await messageShown(page, 'third phone');
  });
});
