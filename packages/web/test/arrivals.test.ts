// What the conversation's screen-reader announcer says after each history load (src/ui/arrivals.ts):
// only incoming messages that arrived since the last load, a count for earlier ones, never old texts.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { HistoryEntry } from '@sotto/client';
import { announcements, arrivals, READ_OUT_MAX, type Seen } from '../src/ui/arrivals.js';

function entry(n: number, direction: 'in' | 'out' = 'in'): HistoryEntry {
  return {
    id: n.toString(16).padStart(32, '0'),
    contact: 'c0ffee',
    direction,
    text: `text ${n}`,
    sentAt: 1_700_000_000_000 + n,
    receivedAt: direction === 'in' ? 1_700_000_000_000 + n : null,
    state: direction === 'in' ? 'delivered' : 'sent',
  };
}
const range = (from: number, to: number, dir: 'in' | 'out' = 'in') =>
  Array.from({ length: to - from }, (_, i) => entry(from + i, dir));

/** Feeds loads in order and returns the lines each one produced. */
function said(loads: { contact?: string; limit?: number; entries: HistoryEntry[] }[]): string[][] {
  let seen: Seen | undefined;
  return loads.map(({ contact = 'pia', limit = 200, entries }) => {
    const a = arrivals(seen, contact, limit, entries);
    seen = a.seen;
    return announcements(contact, a);
  });
}

void describe('the conversation announcer', () => {
  void it('says nothing for the history a chat opens with', () => {
    assert.deepEqual(said([{ entries: range(0, 50) }]), [[]]);
  });

  void it('reads a new incoming message once, with the sender; a reload with nothing new says nothing', () => {
    const before = range(0, 3);
    assert.deepEqual(
      said([{ entries: before }, { entries: [...before, entry(3)] }, { entries: [...before, entry(3)] }]),
      [[], ['pia: text 3'], []],
    );
  });

  void it('does not read back the user’s own messages', () => {
    const before = range(0, 3);
    assert.deepEqual(said([{ entries: before }, { entries: [...before, entry(3, 'out')] }]), [[], []]);
  });

  void it('counts earlier messages instead of reading them; a new message in the same load is still read', () => {
    const all = range(0, 30);
    assert.deepEqual(
      said([
        { limit: 10, entries: all.slice(20) },
        { limit: 20, entries: all.slice(10) },
        { limit: 30, entries: [...all, entry(30)] },
        { limit: 40, entries: [...all, entry(30)] },
      ]),
      [[], ['10 earlier messages loaded'], ['10 earlier messages loaded', 'pia: text 30'], []],
    );
  });

  void it('counts every row added above, also ones that had slid out of a full page', () => {
    const all = range(0, 40);
    // Page of 10 shows 20..29; two arrive (22..31 shown, 20 and 21 slid out); then 20 are asked for.
    assert.deepEqual(
      said([
        { limit: 10, entries: all.slice(20, 30) },
        { limit: 10, entries: all.slice(22, 32) },
        { limit: 20, entries: all.slice(12, 32) },
      ]),
      [[], ['pia: text 30', 'pia: text 31'], ['10 earlier messages loaded']],
    );
  });

  void it('reads a late message that sorts above the first one when no earlier messages were asked for', () => {
    assert.deepEqual(said([{ entries: range(5, 8) }, { entries: [entry(1), ...range(5, 8)] }]), [
      [],
      ['pia: text 1'],
    ]);
  });

  void it('sums up a burst instead of reading every message', () => {
    const before = range(0, 3);
    const burst = range(3, 3 + READ_OUT_MAX + 1);
    const few = range(100, 100 + READ_OUT_MAX);
    assert.deepEqual(
      said([
        { entries: before },
        { entries: [...before, ...burst] },
        { entries: [...before, ...burst, ...few] },
      ]),
      [[], [`${READ_OUT_MAX + 1} new messages from pia`], few.map((e) => `pia: ${e.text}`)],
    );
  });

  void it('says nothing when more history is asked for and there is none', () => {
    assert.deepEqual(said([{ entries: [] }, { entries: [entry(1)] }, { limit: 400, entries: [entry(1)] }]), [
      [],
      ['pia: text 1'],
      [],
    ]);
  });

  void it('starts over in another chat: its history is not news', () => {
    assert.deepEqual(
      said([
        { contact: 'pia', entries: range(0, 3) },
        { contact: 'nina', entries: range(10, 14) },
        { contact: 'nina', entries: range(10, 15) },
      ]),
      [[], [], ['nina: text 14']],
    );
  });
});
