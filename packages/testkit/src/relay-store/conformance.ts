// The relay storage conformance suite: one set of behaviours (accounts, usernames, keys, mailboxes,
// attachments, lifecycle) that every adapter of @sotto/relay's storage ports must show — SQLite now,
// PostgreSQL in issue 8 — registered as node:test describe/it blocks.
import { describe } from 'node:test';
import { accountSuite } from './account-suite.js';
import { attachmentSuite } from './attachment-suite.js';
import type { HarnessCapabilities, MakeHarness } from './fixtures.js';
import { keySuite } from './key-suite.js';
import { lifecycleSuite } from './lifecycle-suite.js';
import { mailboxSuite } from './mailbox-suite.js';

/**
 * Registers the suite for one adapter. `makeHarness` must return a fresh, empty database per call.
 * @example runRelayStoreConformance('sqlite file', makeFileHarness, { peers: true, reopen: true });
 */
export function runRelayStoreConformance(
  name: string,
  makeHarness: MakeHarness,
  caps: HarnessCapabilities = { peers: false, reopen: false },
): void {
  void describe(`relay storage conformance: ${name}`, () => {
    accountSuite(makeHarness);
    keySuite(makeHarness, caps);
    mailboxSuite(makeHarness);
    attachmentSuite(makeHarness);
    lifecycleSuite(makeHarness, caps);
  });
}
