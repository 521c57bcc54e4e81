/**
 * What the conversation's screen-reader announcer should say after a history (re)load: the texts of
 * incoming messages that ARRIVED since the last load, and how many earlier messages "Show earlier
 * messages" added — never the text of messages that were already there, loaded from the past, or
 * sent by the user. Pure: the view keeps the returned `Seen` and passes it to the next call.
 */
import type { HistoryEntry } from '@sotto/client';

/** What the previous load of a conversation showed. */
export interface Seen {
  contact: string;
  /** How many messages that load asked for (a larger one means earlier messages were loaded). */
  limit: number;
  /** Every message id shown in this conversation since it was opened. */
  ids: ReadonlySet<string>;
  /** The message that load showed at the top. */
  first: string | null;
}

export interface Arrivals {
  seen: Seen;
  /** Incoming messages new since the last load, oldest first. */
  incoming: HistoryEntry[];
  /** Messages added above the previously first one because more history was asked for. */
  earlier: number;
}

/**
 * `entries` is what a load of `limit` messages of `contact` read, oldest first. The first load of a
 * conversation announces nothing: that is history the user opened, not news.
 */
export function arrivals(
  prev: Seen | undefined,
  contact: string,
  limit: number,
  entries: readonly HistoryEntry[],
): Arrivals {
  if (!prev || prev.contact !== contact) {
    const ids = new Set(entries.map((e) => e.id));
    return { seen: { contact, limit, ids, first: entries[0]?.id ?? null }, incoming: [], earlier: 0 };
  }
  const ids = new Set(prev.ids);
  for (const e of entries) ids.add(e.id);
  // Earlier messages are the ones above the message shown first before — but only when more history
  // was asked for: otherwise an unseen message up there is a late arrival (history is in sentAt
  // order, and a delayed message can carry an old sentAt).
  const firstBefore = limit > prev.limit ? entries.findIndex((e) => e.id === prev.first) : 0;
  const above = firstBefore < 0 ? 0 : firstBefore;
  const incoming = entries.slice(above).filter((e) => e.direction === 'in' && !prev.ids.has(e.id));
  return { seen: { contact, limit, ids, first: entries[0]?.id ?? null }, incoming, earlier: above };
}

/** More new messages than this in one load are summed up ("7 new messages from pia"), not read out. */
export const READ_OUT_MAX = 5;

/** The announcer's lines for one load (none when there is nothing to say). */
export function announcements(contact: string, a: Arrivals): string[] {
  const lines: string[] = [];
  if (a.earlier > 0) lines.push(`${a.earlier} earlier ${a.earlier === 1 ? 'message' : 'messages'} loaded`);
  if (a.incoming.length > READ_OUT_MAX) lines.push(`${a.incoming.length} new messages from ${contact}`);
  else for (const e of a.incoming) lines.push(`${contact}: ${e.text}`);
  return lines;
}
