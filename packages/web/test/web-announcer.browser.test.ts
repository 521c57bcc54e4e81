/**
 * What a screen reader hears in a conversation, in real Chromium against a real relay with a Node
 * `Messenger` as the contact. The message list is a labelled list, not a live region (inserting 200
 * earlier messages into a role=log would read them all out as news); one visually hidden polite
 * region, the announcer, gets each new incoming message once ("pia: hello"), a count when earlier
 * messages are loaded, and nothing for the history a chat opens with, a re-render or the user's own
 * messages.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { Messenger } from '@sotto/client';
import { WAIT_MS } from './helpers/browser.js';
import { startWebHarness, type WebHarness } from './helpers/harness.js';
import { addContact, createAccount, messageShown, nav, openConversation, sendText } from './helpers/ui.js';

let web: WebHarness;
let page: Page;
let pia: Messenger;
const deliveredIds = new Set<string>();

before(async () => {
  web = await startWebHarness();
  page = web.page;
  pia = await web.nodeUser('pia', { connect: false });
  pia.on('delivery', ({ id, state }) => state === 'delivered' && deliveredIds.add(id));
  await pia.connect();
  await createAccount(page, web.url, 'lena', 'lena passphrase 1');
  await addContact(page, 'pia', '@pia');
  await pia.addContact('lena', '@lena');
});

after(async () => {
  await web?.close();
});

const announcer = () => page.getByTestId('announcer');
/** Every line the announcer holds now. */
const announced = () => announcer().locator('p').allTextContents();
const times = (lines: string[], line: string) => lines.filter((l) => l === line).length;

async function piaSays(text: string): Promise<void> {
  await (
    await pia.send('lena', text)
  ).accepted;
  await messageShown(page, text);
}

/** Waits for the browser's delivery receipts: it has stored every one of these messages. */
async function delivered(ids: string[]): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!ids.every((id) => deliveredIds.has(id))) {
    if (Date.now() > deadline) throw new Error('the browser never confirmed delivery');
    await new Promise((r) => setTimeout(r, 50));
  }
}

void describe('screen-reader announcements in a conversation', () => {
  void it('the message list is a labelled list, not a live region; the announcer is polite, hidden from view, in the accessibility tree', async () => {
    await openConversation(page, 'pia');
    const list = page.getByTestId('messages');
    assert.equal(await page.getByRole('list', { name: 'Messages with pia' }).count(), 1);
    assert.equal(await page.getByRole('log').count(), 0, 'role=log would imply aria-live=polite');
    assert.equal(await list.getAttribute('aria-live'), null);
    assert.equal(
      await list.evaluate((el) => el.closest('[aria-live], [role=log], [role=status], [role=alert]')),
      null,
      'not inside a live region either',
    );

    assert.equal(await announcer().count(), 1);
    assert.equal(await announcer().getAttribute('aria-live'), 'polite');
    assert.notEqual(await announcer().getAttribute('aria-atomic'), 'true', 'only the new line is read');
    assert.deepEqual(await announced(), [], 'opening a chat is not news');
    const look = await announcer().evaluate((el) => {
      const r = el.getBoundingClientRect();
      const s = getComputedStyle(el);
      return { w: r.width, h: r.height, display: s.display, visibility: s.visibility };
    });
    assert.ok(look.w <= 1 && look.h <= 1, `not shown (${look.w}×${look.h}px)`);
    assert.notEqual(look.display, 'none', 'display:none would take it out of the accessibility tree');
    assert.equal(look.visibility, 'visible');

    // What Chromium hands to screen readers: a polite live region holding the text, not ignored.
    await piaSays('hello lena');
    const cdp = await page.context().newCDPSession(page);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: {
        nodeId: string;
        parentId?: string;
        ignored: boolean;
        role?: { value?: unknown };
        name?: { value?: unknown };
        properties?: { name: string; value: { value?: unknown } }[];
      }[];
    };
    const byId = new Map(nodes.map((n) => [n.nodeId, n]));
    /** The `live` setting of the nearest live region around a node, if any. */
    const liveAround = (n: (typeof nodes)[number] | undefined): unknown => {
      for (; n; n = n.parentId === undefined ? undefined : byId.get(n.parentId)) {
        const live = n.properties?.find((p) => p.name === 'live')?.value.value;
        if (live !== undefined) return live;
      }
      return undefined;
    };
    const text = (t: string) =>
      nodes.filter((n) => !n.ignored && n.role?.value === 'StaticText' && n.name?.value === t);
    const said = text('pia: hello lena');
    assert.equal(said.length, 1, 'the announced line is in the accessibility tree');
    assert.equal(liveAround(said[0]), 'polite', 'inside a polite live region');
    const inList = text('hello lena');
    assert.equal(inList.length, 1, 'the message itself is in the tree');
    assert.equal(liveAround(inList[0]), undefined, 'the message row is in no live region');
    await cdp.detach();
  });

  void it('announces an incoming message once; never the user’s own, nor again on a re-render', async () => {
    await announcer().getByText('pia: hello lena', { exact: true }).waitFor({ state: 'attached' });
    assert.equal(times(await announced(), 'pia: hello lena'), 1);

    // Own message: sent, then delivered (each state change reloads the history and re-renders the list).
    await sendText(page, 'my own words');
    const mine = page.getByTestId('message').filter({ hasText: 'my own words' });
    await mine.locator('[data-testid=delivery-state][data-state=delivered]').waitFor();
    await piaSays('second from pia');
    await announcer().getByText('pia: second from pia', { exact: true }).waitFor({ state: 'attached' });
    const lines = await announced();
    assert.deepEqual(
      lines,
      ['pia: hello lena', 'pia: second from pia'],
      'each once, in order; own text absent',
    );

    // Leaving and coming back re-renders the whole list: that is history again, not news.
    await nav(page, 'My address');
    await openConversation(page, 'pia');
    await messageShown(page, 'second from pia');
    assert.deepEqual(await announced(), []);
  });

  void it('"Show earlier messages" says how many were loaded, never their text; new ones are still read', async () => {
    // Away from the chat, so the flood is history by the time the chat opens.
    await nav(page, 'My address');
    const sends = [];
    for (let i = 0; i < 205; i++) {
      sends.push(await pia.send('lena', `flood ${i}`));
      // History is ordered by sentAt (ms), so one message per millisecond keeps the order known.
      const t = Date.now();
      while (Date.now() === t) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(sends.map((s) => s.accepted));
    await delivered(sends.map((s) => s.id));
    await openConversation(page, 'pia');
    await messageShown(page, 'flood 204');
    const messages = page.getByTestId('message');
    assert.equal(await messages.count(), 200);
    assert.deepEqual(await announced(), [], 'the flood was history when the chat opened');

    await page.getByRole('button', { name: 'Show earlier messages' }).click();
    await messageShown(page, 'hello lena');
    const total = await messages.count(); // 205 floods + the 3 messages of the tests before
    assert.equal(total, 208);
    // Whatever the announcer says first after the click (it is rendered with the rows).
    await announcer().locator('p').first().waitFor({ state: 'attached' });
    assert.deepEqual(await announced(), [`${total - 200} earlier messages loaded`], 'a count, no text');

    await piaSays('after the wave');
    await announcer().getByText('pia: after the wave', { exact: true }).waitFor({ state: 'attached' });
    const lines = await announced();
    assert.deepEqual(lines, [`${total - 200} earlier messages loaded`, 'pia: after the wave']);
    assert.ok(!lines.some((l) => /flood \d|hello lena|my own words/.test(l)), lines.join(' | '));
  });
});
