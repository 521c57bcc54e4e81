/**
 * Several devices of one account, in real Chromium against a real relay serving the production build,
 * with Node `Messenger`s as the other devices (the client the `sotto` CLI is built on):
 * - Settings → Link a new device answers a Node device's request: the request's fingerprint and the
 *   warning come first, the code only after confirming; the Node device opens it and links, and both
 *   devices are in the browser's list, with the same identity fingerprint;
 * - a fresh browser profile links to a Node account (Setup → Link to an account you already have):
 *   it becomes device 2 of that account, shows the account's identity fingerprint and receives what a
 *   contact sends to the account;
 * - a code made for another request, an altered one and garbage are refused inline, and no account
 *   is stored (a reload shows setup again);
 * - Settings → Devices removes a Node device after a confirmation (a relay that cannot be reached is a
 *   clear error that changes nothing): the relay then refuses that device (RelayRejected).
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { Page, Route } from 'playwright-core';
import { MemoryKv, Messenger, MessengerError, createLinkRequest, openDeviceLink } from '@sotto/client';
import type { WebSocketCtor } from '@sotto/wire';
import { screenshot } from './helpers/browser.js';
import { nodeFingerprint as fingerprint } from './helpers/node-fingerprint.js';
import { startWebHarness, type WebHarness } from './helpers/harness.js';
import { createAccount, messageShown, nav, openConversation } from './helpers/ui.js';

const PASS = 'erin passphrase 1';

let web: WebHarness;
let page: Page;
/** Node devices linked to an account by a test (the harness closes only the users it created). */
const linked: Messenger[] = [];

before(async () => {
  web = await startWebHarness({ context: { viewport: { width: 900, height: 900 } } });
  page = web.page;
  await createAccount(page, web.url, 'erin', PASS);
});

after(async () => {
  await Promise.allSettled(linked.map((m) => m.close()));
  await web?.close();
});

const text = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const bytes = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'base64url'));

const requestField = (p: Page) => p.getByLabel('Request shown by the new device');
const exactButton = (p: Page, name: string) => p.getByRole('button', { name, exact: true });

/** Puts `request` into Settings → Link a new device and returns the code the page shows. */
async function codeFromSettings(request: Uint8Array): Promise<string> {
  await nav(page, 'Settings');
  await requestField(page).fill(text(request));
  await exactButton(page, 'Check the request').click();
  // The fingerprint and the warning come first (focused), the code only after confirming.
  await page.locator('[data-testid=link-device-warning]:focus').waitFor();
  assert.equal(await page.getByTestId('link-request-fingerprint').innerText(), fingerprint(request, 16));
  assert.match(await page.getByTestId('link-device-warning').innerText(), /full use of this account/);
  assert.equal(await page.getByLabel('Link code for the new device').count(), 0);
  await exactButton(page, 'I started it: show the link code').click();
  const field = page.getByLabel('Link code for the new device');
  await page.locator('textarea[name=link-code]:focus').waitFor();
  assert.equal(await field.getAttribute('readonly'), '');
  return field.inputValue();
}

/** A Node device linked to the browser's account through Settings, as a new device would do it. */
async function linkNodeDevice(): Promise<Messenger> {
  const request = createLinkRequest();
  let link: Uint8Array;
  try {
    link = openDeviceLink(bytes(await codeFromSettings(request.request)), request);
  } finally {
    request.privateKey.fill(0);
  }
  const m = await Messenger.link({
    store: new MemoryKv(),
    WebSocket: WebSocket as unknown as WebSocketCtor,
    deviceLink: link,
  });
  linked.push(m);
  return m;
}

/** Opens Setup → Link to an account you already have in `p` and returns the request it shows. */
async function startLinking(p: Page): Promise<Uint8Array> {
  await p.goto(`${web.url}/`);
  await p.getByTestId('setup-screen').waitFor();
  await exactButton(p, 'Link to an account you already have').click();
  await p.locator('h1:focus', { hasText: 'Link to an account you already have' }).waitFor();
  const field = p.getByLabel('Link request for your other device');
  await p.waitForFunction(
    () => document.querySelector<HTMLTextAreaElement>('textarea[name=link-request]')?.value !== '',
  );
  const request = bytes(await field.inputValue());
  assert.equal(request.length, 33);
  await p
    .getByTestId('request-fingerprint')
    .filter({ hasText: fingerprint(request, 16) })
    .waitFor();
  return request;
}

async function fillLinkForm(p: Page, code: string): Promise<void> {
  await p.getByLabel('Link code from your other device').fill(code);
  // Editing the code clears an error about the one before, so the next error is about this one.
  await p.getByRole('alert').waitFor({ state: 'detached' });
  await p.locator('input[name=passphrase]').fill('fred browser passphrase');
  await p.locator('input[name=passphrase2]').fill('fred browser passphrase');
  await exactButton(p, 'Link this browser').click();
}

/** Every record in every object store of this origin's IndexedDB databases. */
function storedRecords(p: Page): Promise<number> {
  return p.evaluate(async () => {
    let n = 0;
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(info.name ?? '');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error ?? new Error('open failed'));
      });
      for (const store of Array.from(db.objectStoreNames)) {
        n += await new Promise<number>((resolve, reject) => {
          const r = db.transaction(store).objectStore(store).count();
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error ?? new Error('count failed'));
        });
      }
      db.close();
    }
    return n;
  });
}

void describe('devices of one account in Chromium', () => {
  void it('Settings answers a Node device’s request; it links, and both devices are listed', async () => {
    // A malformed request is refused inline, before anything is sealed.
    await nav(page, 'Settings');
    const cases: [string, RegExp][] = [
      ['not a request!', /^Invalid link request: it has characters a code never has/],
      [text(createLinkRequest().request).slice(0, 30), /^Invalid link request: it is cut short/],
      [text(new Uint8Array(33).fill(2)), /^Invalid link request: it is not one a Sotto device shows/],
    ];
    for (const [input, want] of cases) {
      await requestField(page).fill(input);
      await exactButton(page, 'Check the request').click();
      const err = page.getByTestId('link-device-error').filter({ hasText: want });
      await err.waitFor();
      assert.equal(await err.getAttribute('role'), 'alert');
      assert.equal(await page.getByTestId('link-device-warning').count(), 0);
    }

    const node = await linkNodeDevice();
    await screenshot(page, '16-link-device-code');
    assert.equal(await page.getByRole('alert').count(), 0);
    const browserDevice = Number(/device (\d+)/.exec(await page.getByText(/ · device \d+/).innerText())![1]);
    assert.notEqual(node.deviceId, browserDevice);
    // One identity for the account: what the browser shows is the linked device's key.
    await page
      .getByTestId('identity-fingerprint')
      .filter({ hasText: fingerprint(node.identityKey, 32) })
      .waitFor();
    assert.deepEqual(
      (await node.devices()).sort((a, b) => a - b),
      [browserDevice, node.deviceId].sort((a, b) => a - b),
    );

    await exactButton(page, 'Refresh the device list').click();
    const list = page.getByRole('list', { name: 'This account’s devices' });
    await list.getByTestId(`device-${node.deviceId}`).waitFor();
    assert.match(await list.getByTestId(`device-${browserDevice}`).innerText(), /\(this device\)/);
    assert.doesNotMatch(await list.getByTestId(`device-${node.deviceId}`).innerText(), /this device/);
    // Only the other device can be removed from here.
    assert.equal(await exactButton(page, `Remove device ${browserDevice}…`).count(), 0);
    assert.equal(await exactButton(page, `Remove device ${node.deviceId}…`).count(), 1);
  });

  void it('a new browser profile links to a Node account, gets its contacts, and receives what a contact sends to it', async () => {
    const fred = await web.nodeUser('fred');
    // A contact fred already has (verified, by address): the linked browser gets it by contacts sync.
    const hank = await web.nodeUser('hank');
    await fred.addContact('hank', hank.address);
    const p = await web.newPage();
    const request = await startLinking(p);
    await screenshot(p, '18-setup-link-request');
    // Pasted with the line breaks and indentation a chat window or terminal may add.
    const code = text(fred.sealDeviceLinkFor(request)).replace(/(.{40})/g, '$1\n  ');
    await fillLinkForm(p, code);
    await p.getByTestId('setup-linked').waitFor();
    await p.locator('h1:focus', { hasText: 'This browser is linked' }).waitFor();
    assert.equal(
      await p.getByTestId('linked-identity-fingerprint').innerText(),
      fingerprint(fred.identityKey, 32),
    );
    const deviceId = Math.max(...(await fred.devices()));
    assert.ok(deviceId > fred.deviceId);
    assert.equal(
      await p.getByTestId('linked-device').innerText(),
      // The link carries no username; Messenger.link asked the relay for the account's.
      `It is device ${deviceId} of account ${fred.accountId} (@${fred.username}).`,
    );
    await screenshot(p, '19-setup-linked');
    await exactButton(p, 'Continue').click();
    await p.getByTestId('main-screen').waitFor();
    await nav(p, 'Settings');
    await p.getByText(`${fred.accountId} · device ${deviceId}`).waitFor();
    // (Computed with WebCrypto, so it may land a moment after the view.)
    await p
      .getByTestId('identity-fingerprint')
      .filter({ hasText: fingerprint(fred.identityKey, 32) })
      .waitFor();
    await p.getByTestId(`device-${fred.deviceId}`).waitFor();
    assert.match(await p.getByTestId(`device-${deviceId}`).innerText(), /\(this device\)/);

    // The contact list followed from fred's Node device (online, it answered the request at once).
    await nav(p, 'Chats');
    await p.getByTestId('conv-hank').waitFor();

    // A contact writes to the account: the linked browser receives it as well as the Node device.
    const gina = await web.nodeUser('gina');
    await gina.addContact('fred', '@fred');
    const onNode = new Promise<string>((resolve) => fred.on('message', (ev) => resolve(ev.entry.text ?? '')));
    await (
      await gina.send('fred', 'hello to every device of fred')
    ).accepted;
    await openConversation(p, 'gina');
    await messageShown(p, 'hello to every device of fred');
    assert.equal(await onNode, 'hello to every device of fred');
    await p.context().close();
  });

  void it('a code for another request, an altered code and garbage are refused inline; nothing is stored', async () => {
    const fred = await web.nodeUser('fiona');
    const p = await web.newPage();
    const request = await startLinking(p);
    const alert = p.getByRole('alert');
    const wrong = /^Invalid link code: it was not made for the request shown above/;
    const right = text(fred.sealDeviceLinkFor(request));
    const flipped = right.slice(0, 60) + (right[60] === 'A' ? 'B' : 'A') + right.slice(61);
    const cases: [string, RegExp][] = [
      [text(fred.sealDeviceLinkFor(createLinkRequest().request)), wrong],
      [flipped, wrong],
      [right.slice(0, 40), wrong],
      ['this is not a code!', /^Invalid link code: it has characters a code never has/],
      [right.slice(0, 41), /^Invalid link code: it is cut short or has extra characters/],
      ['', /^Invalid link code: it is empty/],
    ];
    for (const [code, want] of cases) {
      await fillLinkForm(p, code);
      await alert.filter({ hasText: want }).waitFor();
      assert.equal(await p.getByTestId('setup-linked').count(), 0);
    }
    assert.equal(await storedRecords(p), 0);
    assert.equal((await fred.devices()).length, 1, 'no device was added to the account');
    // Leaving the screen drops the request (focus returns to the button that opened it); coming back
    // shows a new one.
    await exactButton(p, 'Create a new account instead').click();
    await p.locator('button:focus', { hasText: 'Link to an account you already have' }).waitFor();
    await exactButton(p, 'Link to an account you already have').click();
    const field = p.getByLabel('Link request for your other device');
    await p.waitForFunction(
      () => document.querySelector<HTMLTextAreaElement>('textarea[name=link-request]')?.value !== '',
    );
    assert.notEqual(await field.inputValue(), text(request));
    await p.reload();
    await p.getByTestId('setup-screen').waitFor();
    assert.equal(await p.getByTestId('unlock-screen').count(), 0);
    assert.equal(await storedRecords(p), 0);
    await p.context().close();
  });

  void it('Settings removes another device after confirming; the relay then refuses that device', async () => {
    const node = await linkNodeDevice();
    await node.connect();
    const id = node.deviceId;
    await exactButton(page, 'Refresh the device list').click();
    const opener = exactButton(page, `Remove device ${id}…`);
    const final = exactButton(page, `Remove device ${id} permanently`);
    // The confirmation opens with focus on Cancel; Cancel closes it and returns focus to the opener.
    await opener.click();
    await page.locator('button:focus', { hasText: 'Cancel' }).waitFor();
    assert.match(
      await page.getByRole('group', { name: `Remove device ${id}` }).innerText(),
      /cuts it off from this account for good/,
    );
    await screenshot(page, '17-remove-device-confirm');
    await exactButton(page, 'Cancel').click();
    await final.waitFor({ state: 'detached' });
    await page.locator('button:focus', { hasText: `Remove device ${id}…` }).waitFor();

    // A relay that cannot be reached: a clear error, focus back on the button that retries, and the
    // device still belongs to the account.
    let aborted = 0;
    const handler = (route: Route) => {
      aborted++;
      return route.abort('connectionrefused');
    };
    await page.route(`${web.url}/v1/devices/${id}`, handler);
    try {
      await opener.click();
      await final.click();
      const err = page.getByTestId('remove-device-error');
      await err.waitFor();
      assert.equal(
        await err.innerText(),
        'The relay cannot be reached. Check the relay URL and your connection.',
      );
      assert.equal(await err.getAttribute('role'), 'alert');
      assert.ok(aborted >= 1, 'the DELETE never reached the route');
      await page.locator('button:focus', { hasText: `Remove device ${id} permanently` }).waitFor();
    } finally {
      await page.unroute(`${web.url}/v1/devices/${id}`, handler);
    }
    assert.ok((await node.devices()).includes(id));

    await final.click();
    const status = page.getByTestId('devices-status');
    await status.filter({ hasText: `Device ${id} was removed: the relay no longer accepts it.` }).waitFor();
    await page.locator('[data-testid=devices-status]:focus').waitFor();
    await page.getByTestId(`device-${id}`).waitFor({ state: 'detached' });
    // The removed device is cut off: the relay refuses it.
    await assert.rejects(
      () => node.devices(),
      (e: unknown) => MessengerError.is(e) && e.code === 'RelayRejected',
    );
    // And the browser's own list, asked again, no longer has it.
    await exactButton(page, 'Refresh the device list').click();
    await page.getByRole('list', { name: 'This account’s devices' }).getByText('(this device)').waitFor();
    assert.equal(await page.getByTestId(`device-${id}`).count(), 0);
  });
});
