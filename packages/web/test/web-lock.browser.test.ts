/**
 * Safety numbers, the key-encryption key, and locking, in real Chromium against a real relay serving
 * the production build: both sides show the same 60 digits and "verified" persists; the KEK was a
 * non-extractable WebCrypto key; a reload locks, a wrong passphrase is a clear error (the field is
 * focused again), and unlocking restores history, verification and live delivery.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { screenshot } from './helpers/browser.js';
import { startWebHarness, type WebHarness } from './helpers/harness.js';
import {
  addContact,
  createAccount,
  messageShown,
  myAddress,
  nav,
  openConversation,
  safetyDigits,
  sendText,
  unlock,
} from './helpers/ui.js';

const PASS_A = 'erin passphrase 1';

let web: WebHarness;
let a: Page;
let b: Page;
const requests: string[] = [];

/** Every request of this page's profile goes into `requests`. */
function recorded(page: Page): Page {
  page.context().on('request', (r) => requests.push(r.url()));
  return page;
}

before(async () => {
  web = await startWebHarness();
  [a, b] = [recorded(web.page), recorded(await web.newPage())];
  await Promise.all([
    createAccount(a, web.url, 'erin', PASS_A),
    createAccount(b, web.url, 'frank', 'frank passphrase 2'),
  ]);
  await addContact(a, 'bob', '@frank');
  await addContact(b, 'alice', await myAddress(a));
  await openConversation(a, 'bob');
  await sendText(a, 'hello bob, from alice');
  await openConversation(b, 'alice');
  await messageShown(b, 'hello bob, from alice');
  await sendText(b, 'hi alice! bob here');
  await messageShown(a, 'hi alice! bob here');
});

after(async () => {
  await web?.close();
});

void describe('safety numbers and locking in Chromium', () => {
  void it('shows matching 60-digit safety numbers on both sides; verified persists', async () => {
    const [da, db] = [await safetyDigits(a, 'bob'), await safetyDigits(b, 'alice')];
    assert.match(da, /^\d{60}$/);
    assert.equal(da, db);
    // bob added alice from her address: verified at once; alice added @bob: verifies by hand.
    assert.equal(await b.getByTestId('trust').getAttribute('data-trust'), 'verified');
    assert.equal(await a.getByTestId('trust').getAttribute('data-trust'), 'unverified');
    await a.getByTestId('mark-verified').click();
    await a.locator('[data-testid=trust][data-trust=verified]').waitFor();
    await screenshot(a, '06-safety-number');
  });

  void it('holds the store keys (and derived the KEK) as non-extractable WebCrypto keys; shows the relay read-only', async () => {
    await nav(a, 'Settings');
    const info = a.getByTestId('key-info');
    assert.equal(await info.getAttribute('data-extractable'), 'false');
    assert.match(await info.innerText(), /AES-GCM in WebCrypto, non-extractable \(encrypt\)/);
    // The store's keys while unlocked: non-extractable CryptoKeys, not bytes in page memory.
    const held = a.getByTestId('held-keys');
    assert.equal(await held.getAttribute('data-extractable'), 'false');
    assert.match(
      await held.innerText(),
      /record key: AES-GCM in WebCrypto, non-extractable \(encrypt, decrypt\)/,
    );
    assert.match(await held.innerText(), /blinding key: HMAC in WebCrypto, non-extractable \(sign\)/);
    assert.equal(await a.getByTestId('relay-url').innerText(), web.url);
    // Read-only, with the reason (the CSP allows only this origin; storage is per origin).
    assert.match(await a.getByTestId('relay-url-why').innerText(), /can only use the relay that served it/);
    // The relay is text, not a field: the only fields in Settings are the new username and a new
    // device's link request.
    const fields = a.getByTestId('settings-view').locator('input, textarea');
    assert.deepEqual(await fields.evaluateAll((els) => els.map((el) => el.getAttribute('name'))), [
      'new-username',
      'link-request',
    ]);
    await screenshot(a, '07-settings');
  });

  void it('locks on reload; a wrong passphrase is a clear error; unlocking restores history and verification', async () => {
    await a.reload();
    await unlock(a, 'not the passphrase');
    const err = a.getByTestId('error');
    await err.waitFor();
    assert.equal(await err.innerText(), 'Wrong passphrase. Try again.');
    await screenshot(a, '08-unlock-wrong-passphrase');
    // Keyboard only: the field has focus again with the wrong text selected, so retyping replaces it.
    await a.locator('input[name=passphrase]:focus').waitFor();
    await a.keyboard.type(PASS_A);
    await a.keyboard.press('Enter');
    await a.getByTestId('main-screen').waitFor();
    // Unlocking unwrapped the data key inside WebCrypto (a KEK that can only unwrap) into new keys.
    await nav(a, 'Settings');
    assert.match(
      await a.getByTestId('key-info').innerText(),
      /AES-GCM in WebCrypto, non-extractable \(unwrapKey\)/,
    );
    assert.equal(await a.getByTestId('held-keys').getAttribute('data-extractable'), 'false');
    await openConversation(a, 'bob');
    for (const text of ['hello bob, from alice', 'hi alice! bob here']) await messageShown(a, text);
    await a.getByTestId('open-safety').click();
    await a.locator('[data-testid=trust][data-trust=verified]').waitFor();
    // Still live after unlocking: a new message arrives without another reload.
    await openConversation(b, 'alice');
    await sendText(b, 'still there?');
    await openConversation(a, 'bob');
    await messageShown(a, 'still there?');
  });

  void it('talked to nobody but the relay', () => {
    const origin = new URL(web.url).origin;
    assert.deepEqual(
      requests.filter(
        (u) =>
          !u.startsWith(`${origin}/`) &&
          !u.startsWith('data:') &&
          !u.startsWith(origin.replace('http', 'ws')),
      ),
      [],
    );
  });
});
