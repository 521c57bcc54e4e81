/**
 * A browser user and a user of the real `sotto` command-line client (the executable, spawned with
 * its own --home temp dir, @sotto/testkit/sotto-cli) chat through the same loopback relay: they
 * add each other (the browser by @username, the CLI by the browser's pasted address), messages go
 * both ways, the browser shows the CLI's message live and the delivery receipt for its own, and the
 * CLI shows the browser's message in `sotto inbox` and both in `sotto history`.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { jsonLines, ok, removeTempDirs, sotto, tempDir } from '@sotto/testkit/sotto-cli';
import { ensureBuilt, screenshot, startWebRelay, WAIT_MS, type WebRelay } from './helpers/browser.js';
import { startWebHarness, type WebHarness } from './helpers/harness.js';
import {
  addContact,
  createAccount,
  messageShown,
  myAddress,
  openConversation,
  sendText,
} from './helpers/ui.js';

const FROM_BROWSER = 'hello from the browser, see https://example.org/x';
const FROM_CLI = 'hi browser, the terminal says hello';

let relay: WebRelay;
let web: WebHarness | undefined;
let page: Page;
let home: string;

/** `sotto ARGS --home HOME`, failing with the output unless it exits 0. */
const cli = (args: string[]) => ok(null, [...args, '--home', home]);

before(async () => {
  ensureBuilt();
  relay = await startWebRelay();
  home = tempDir('sotto-web-cli-');
  // The CLI account comes up (a cold Node start, then key generation) while the browser starts and
  // creates its own account.
  await Promise.all([
    cli(['init', '--server', relay.url, '--username', 'gus_cli']),
    (async () => {
      web = await startWebHarness({ relay });
      page = web.page;
      await createAccount(page, relay.url, 'hana_web', 'hana passphrase 1');
    })(),
  ]);
});

after(async () => {
  await (web ? web.close() : relay?.close());
  removeTempDirs();
});

void describe('a browser user and the sotto CLI on one relay', () => {
  void it('add each other: the browser by @username, the CLI by the pasted browser address', async () => {
    const address = await myAddress(page);
    assert.match(address, /^sotto:/);
    const [added] = await Promise.all([
      cli(['contact', 'add', 'hana', address, '--json']),
      addContact(page, 'gus', '@gus_cli'),
    ]);
    const c = JSON.parse(added.stdout) as { name: string; trust: string };
    assert.equal(c.name, 'hana');
    assert.equal(c.trust, 'verified', 'added from the full address: the identity key is pinned');
  });

  void it('browser → CLI: the CLI reads it with `sotto inbox`; the browser sees it delivered', async () => {
    await openConversation(page, 'gus');
    await sendText(page, FROM_BROWSER);
    const inbox = await cli(['inbox', '--json']);
    const got = jsonLines(inbox.stdout);
    assert.deepEqual(
      got.map((m) => [m['from'], m['text']]),
      [['hana', FROM_BROWSER]],
      'exactly the browser message, from the contact name the CLI gave it; the link as plain text',
    );
    // The CLI's receipt arrives live in the browser.
    await page
      .getByTestId('message')
      .filter({ hasText: 'hello from the browser' })
      .locator('[data-testid=delivery-state][data-state=delivered]')
      .waitFor({ timeout: WAIT_MS });
  });

  void it('CLI → browser: `sotto send` shows up live in the open conversation', async () => {
    const sent = await cli(['send', 'hana', FROM_CLI, '--json']);
    assert.equal((JSON.parse(sent.stdout) as { state: string }).state, 'sent');
    await messageShown(page, FROM_CLI);
    const row = page.getByTestId('message').filter({ hasText: FROM_CLI });
    assert.equal(await row.getAttribute('data-direction'), 'in');
    await screenshot(page, '10-browser-cli-conversation');
  });

  void it('`sotto history` holds both messages in order, and a second inbox is empty', async () => {
    // Three processes at once (each is a cold Node start on a loaded machine).
    const [hist, again, human] = await Promise.all([
      cli(['history', 'hana', '--json']),
      cli(['inbox', '--json']),
      sotto(null, ['history', 'hana', '--home', home]),
    ]);
    assert.deepEqual(
      jsonLines(hist.stdout).map((m) => [m['direction'], m['text']]),
      [
        ['in', FROM_BROWSER],
        ['out', FROM_CLI],
      ],
    );
    assert.equal(again.stdout, '', 'already read');
    // And the human format names the browser contact.
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /hana: hello from the browser/);
  });
});
