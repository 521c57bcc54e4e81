/**
 * The conversation screen in real Chromium against a real relay, with a Node `Messenger` as the
 * contact: the composer is a growing textarea (Enter sends, Shift+Enter is a new line); messages
 * not from today show their date (a day separator in the browser's locale, the full date-time in
 * the tooltip and `<time datetime>`); only the newest 200 messages are read at first, and "Show
 * earlier messages" reads more from local storage without moving what the user was reading; a
 * message that failed to send has a Retry button that sends it again under the same id.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { systemClock, type HistoryEntry, type Messenger } from '@sotto/client';
import { WAIT_MS } from './helpers/browser.js';
import { startWebHarness, type WebHarness } from './helpers/harness.js';
import { addContact, createAccount, messageShown, nav, openConversation } from './helpers/ui.js';

let web: WebHarness;
let page: Page;
let friend: Messenger;
const received: HistoryEntry[] = [];
const deliveredIds = new Set<string>();
/** How far behind the real time the friend's clock runs (its messages carry that sentAt). */
let friendClockBehindMs = 0;
const LOCALE = 'de-DE';
const TIME_ZONE = 'Europe/Berlin';

before(async () => {
  // A non-English locale and a fixed zone: dates must follow the browser's locale, not a hard-coded one.
  web = await startWebHarness({ context: { locale: LOCALE, timezoneId: TIME_ZONE } });
  page = web.page;
  friend = await web.nodeUser('nina', {
    connect: false,
    clock: {
      now: () => Date.now() - friendClockBehindMs,
      schedule: (ms, fn) => systemClock.schedule(ms, fn),
    },
  });
  friend.on('message', ({ entry }) => received.push(entry));
  friend.on('delivery', ({ id, state }) => state === 'delivered' && deliveredIds.add(id));
  await friend.connect();
  await createAccount(page, web.url, 'omar', 'omar passphrase 1');
  await addContact(page, 'nina', '@nina');
  await friend.addContact('omar', '@omar');
});

after(async () => {
  await web?.close();
});

async function friendReceived(text: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!received.some((e) => e.text === text)) {
    if (Date.now() > deadline) throw new Error(`the friend never received ${JSON.stringify(text)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits for the browser's delivery receipts: it has stored every one of these messages. */
async function delivered(ids: string[]): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!ids.every((id) => deliveredIds.has(id))) {
    if (Date.now() > deadline) throw new Error('the browser never confirmed delivery');
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

void describe('message dates', () => {
  void it('shows a day separator in the browser locale above older days, the full date-time in title and datetime', async () => {
    friendClockBehindMs = 3 * 86_400_000;
    const old = await friend.send('omar', 'sent three days ago');
    await old.accepted;
    friendClockBehindMs = 0;
    await (
      await friend.send('omar', 'sent just now')
    ).accepted;
    await messageShown(page, 'sent just now');
    await messageShown(page, 'sent three days ago');

    const sentAt = old.entry.sentAt;
    const inZone = (o: Intl.DateTimeFormatOptions) =>
      new Intl.DateTimeFormat(LOCALE, { timeZone: TIME_ZONE, ...o }).format(sentAt);
    // The separator right above the old message names its day, in German.
    const separatorAbove = await page
      .getByTestId('message')
      .filter({ hasText: 'sent three days ago' })
      .evaluate((li) => {
        const prev = li.previousElementSibling;
        return prev?.getAttribute('data-testid') === 'day-separator'
          ? { text: prev.textContent, datetime: prev.querySelector('time')?.getAttribute('datetime') }
          : null;
      });
    assert.ok(separatorAbove, 'a day separator directly above the message from three days ago');
    assert.ok(
      separatorAbove.text?.includes(inZone({ month: 'long' })),
      `month in German: ${separatorAbove.text}`,
    );
    assert.ok(
      separatorAbove.text?.includes(inZone({ weekday: 'long' })),
      `weekday in German: ${separatorAbove.text}`,
    );
    assert.ok(
      separatorAbove.text?.includes(inZone({ day: 'numeric' })),
      `day of month: ${separatorAbove.text}`,
    );
    const ymd = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(sentAt); // YYYY-MM-DD
    assert.equal(separatorAbove.datetime, ymd);

    // The message's own <time>: machine-readable instant, full date and time (with year) as the tooltip.
    const time = page.getByTestId('message').filter({ hasText: 'sent three days ago' }).locator('time');
    assert.equal(Date.parse((await time.getAttribute('datetime')) ?? ''), sentAt);
    const title = (await time.getAttribute('title')) ?? '';
    assert.ok(title.includes(inZone({ year: 'numeric' })), `year in the tooltip: ${title}`);
    assert.ok(title.includes(inZone({ month: 'long' })), `month in the tooltip: ${title}`);

    // Today's messages sit under "Heute" (Intl's "today" in German); no date is repeated per message.
    const separators = await page.getByTestId('day-separator').allInnerTexts();
    assert.equal(separators.length, 2, `one separator per day: ${separators.join(' | ')}`);
    assert.equal(separators[1], 'Heute');
    const nowTime = page.getByTestId('message').filter({ hasText: 'sent just now' }).locator('time');
    assert.doesNotMatch(await nowTime.innerText(), /\d{4}|[A-Za-zä]{3}/, 'only the time beside the message');
  });
});

void describe('earlier messages', () => {
  void it('shows the newest 200; "Show earlier messages" (keyboard) loads the rest and keeps the scroll position', async () => {
    // Away from the chats (each list refresh reads every conversation's history), so the flood is cheap.
    await nav(page, 'My address');
    const sends = [];
    for (let i = 0; i < 205; i++) {
      sends.push(await friend.send('omar', `flood ${i}`));
      // History is ordered by sentAt (ms), so one message per millisecond keeps the order known.
      const t = Date.now();
      while (Date.now() === t) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(sends.map((s) => s.accepted));
    await delivered(sends.map((s) => s.id));
    await openConversation(page, 'nina');
    await messageShown(page, 'flood 204');
    const messages = page.getByTestId('message');
    assert.equal(await messages.count(), 200, 'one page of messages');
    // Whatever came before (4 messages when the whole file runs), the oldest five floods are not shown.
    const flood = (i: number) => messages.filter({ has: page.getByText(`flood ${i}`, { exact: true }) });
    assert.equal(await flood(4).count(), 0);
    assert.equal(await flood(0).count(), 0);
    assert.equal(await flood(5).count(), 1);

    // Scroll to the top, where the button is, and note where the first shown message is.
    const button = page.getByRole('button', { name: 'Show earlier messages' });
    await button.scrollIntoViewIfNeeded();
    const first = messages.first();
    const firstId = await first.getAttribute('data-id');
    const topBefore = await first.evaluate((el) => el.getBoundingClientRect().top);
    await button.focus();
    await page.keyboard.press('Enter');
    await flood(0).waitFor({ state: 'attached' });
    assert.ok((await messages.count()) >= 205, 'everything stored is shown now');
    const same = page.locator(`[data-testid=message][data-id="${firstId}"]`);
    const topAfter = await same.evaluate((el) => el.getBoundingClientRect().top);
    assert.ok(Math.abs(topAfter - topBefore) <= 2, `the message stayed put (${topBefore}px → ${topAfter}px)`);
    assert.equal(await button.count(), 0, 'nothing earlier is left');
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
      'messages',
      'focus kept in the message list',
    );
  });
});

void describe('a message that failed to send', () => {
  void it('has a Retry button (keyboard, announced) that sends it again; the failed state goes once it is through', async () => {
    // A new contact: the first message needs their keys, and the relay (here, a route) refuses them.
    const pia = await web.nodeUser('pia', { connect: false });
    const got: string[] = [];
    pia.on('message', ({ entry }) => got.push(entry.text));
    try {
      await pia.connect();
      await addContact(page, 'pia', '@pia');
      const keys = `**/v1/keys/${pia.accountId}/**`;
      await page.route(keys, (route) =>
        route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"AccountNotFound"}' }),
      );
      await page.getByRole('textbox', { name: 'Message to pia' }).fill('try me again');
      await page.keyboard.press('Enter');
      const msg = page.getByTestId('message').filter({ hasText: 'try me again' });
      await msg.locator('[data-testid=delivery-state][data-state=failed]').waitFor();
      await page.getByTestId('error').waitFor(); // the reason, as an alert
      await page.unroute(keys);

      const retry = msg.getByRole('button', { name: 'Retry sending: try me again' });
      await retry.focus();
      await page.keyboard.press('Enter');
      await msg.locator('[data-testid=delivery-state][data-state=delivered]').waitFor();
      assert.equal(await msg.count(), 1, 'the same message, not a second copy');
      assert.equal(await msg.getByRole('button', { name: /^Retry/ }).count(), 0, 'no Retry once sent');
      assert.equal(await page.locator('[data-state=failed]').count(), 0);
      assert.equal(await page.getByRole('status').filter({ hasText: 'The message was sent.' }).count(), 1);
      assert.equal(await page.getByTestId('error').count(), 0, 'the old error is cleared');
      assert.deepEqual(got, ['try me again'], 'pia got it once');
    } finally {
      await pia.close();
    }
  });
});
