// How messages look on a terminal and in --json. Message text comes from other people: control
// characters are replaced before printing so a message cannot drive the terminal (escape codes).
// Links stay plain text: nothing here (or anywhere in the CLI) fetches or resolves them.
import type { HistoryEntry } from '@sotto/client';

/** Replaces C0/C1 control characters (except newline and tab) and lone escapes with U+FFFD. */
export function safeText(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '\ufffd');
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** `2026-11-28 12:00` in local time. */
export function shortTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** One JSON line per message (`sotto inbox --json`, `sotto history --json`). */
export function messageJson(contactName: string, e: HistoryEntry) {
  return {
    id: e.id,
    from: e.direction === 'in' ? contactName : 'me',
    to: e.direction === 'in' ? 'me' : contactName,
    contact: contactName,
    direction: e.direction,
    sent: isoTime(e.sentAt),
    received: e.receivedAt === null ? null : isoTime(e.receivedAt),
    state: e.state,
    text: e.text,
  };
}

const STATE_MARK: Record<HistoryEntry['state'], string> = {
  sending: '(sending)',
  sent: '(sent)',
  delivered: '(delivered)',
  failed: '(FAILED)',
  received: '',
};

/** `[2026-11-28 12:00] bob: text` / `[…] me → bob: text (delivered)`. */
export function messageLine(contactName: string, e: HistoryEntry): string {
  const who = e.direction === 'in' ? contactName : `me → ${contactName}`;
  const mark = STATE_MARK[e.state];
  return `[${shortTime(e.sentAt)}] ${safeText(who)}: ${safeText(e.text)}${mark ? ' ' + mark : ''}`;
}
