/**
 * One unlocked tab per browser profile, in real Chromium against a real relay: a second tab of the
 * same profile is refused with the reason while the first stays online and keeps receiving; once the
 * first locks, the second unlocks and gets the live connection.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { Messenger } from '@sotto/client';
import { WAIT_MS } from './helpers/browser.js';
import { startWebHarness, type WebHarness } from './helpers/harness.js';
import { addContact, createAccount, messageShown, openConversation, unlock } from './helpers/ui.js';

const PASS = 'kate passphrase 1';

let web: WebHarness;
let first: Page;
let friend: Messenger;

before(async () => {
  web = await startWebHarness();
  first = web.page;
  friend = await web.nodeUser('liam');
  await createAccount(first, web.url, 'kate', PASS);
  await addContact(first, 'liam', '@liam');
  await friend.addContact('kate', '@kate');
});

after(async () => {
  await web?.close();
});

async function fromFriend(text: string): Promise<void> {
  await (
    await friend.send('kate', text)
  ).accepted;
}

void describe('one unlocked tab per browser profile', () => {
  void it('refuses a second tab with the reason until the first locks; then the second is live', async () => {
    const second = await first.context().newPage();
    second.setDefaultTimeout(WAIT_MS);
    await second.goto(`${web.url}/`);
    await unlock(second, PASS);
    const err = second.getByTestId('error');
    await err.waitFor();
    assert.match(await err.innerText(), /already unlocked in another tab/);
    assert.equal(await second.getByTestId('main-screen').count(), 0);
    // The first tab keeps its connection and its live messages (before: the relay dropped it).
    // (The connection state is a status region, so screen readers hear it change.)
    assert.equal(await first.getByRole('status', { name: 'Relay connection' }).innerText(), 'online');
    await openConversation(first, 'liam');
    await fromFriend('only one tab');
    await messageShown(first, 'only one tab');
    // Once the first tab locks, the second may unlock and is the live one.
    await first.getByTestId('lock').click();
    await first.getByTestId('unlock-screen').waitFor();
    await unlock(second, PASS);
    await second.locator('[data-testid=connection]', { hasText: 'online' }).waitFor();
    await openConversation(second, 'liam');
    await fromFriend('now in the second tab');
    await messageShown(second, 'now in the second tab');
  });
});
