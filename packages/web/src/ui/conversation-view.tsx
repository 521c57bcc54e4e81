// One conversation: history, live incoming messages, delivery state, and the composer.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ContactView, HistoryEntry, Messenger } from '@sotto/client';
import { announcements, arrivals, type Seen } from './arrivals.js';
import { coalesce } from './coalesce.js';
import { errorText } from './error-text.js';
import { LinkText } from './link-text.js';
import { dayLabel, fullLabel, isoDay, localDay, timeLabel } from './message-time.js';
import type { View } from './main-screen.js';

interface Props {
  m: Messenger;
  contact: string;
  version: number;
  nav: (v: View) => void;
}

const STATE_TEXT: Record<string, string> = {
  sending: 'sending…',
  sent: 'sent ✓',
  delivered: 'delivered ✓✓',
  failed: 'failed ✗',
};

/** Messages read from local storage at a time; "Show earlier messages" reads one more page. */
export const HISTORY_PAGE = 200;

/** Lines the announcer keeps (older ones are dropped silently; one load adds at most 6). */
const NEWS_KEEP = 10;

export function ConversationView({ m, contact, version, nav }: Props) {
  const [entries, setEntries] = useState<HistoryEntry[]>([]);
  const [info, setInfo] = useState<ContactView | undefined>(undefined);
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [sent, setSent] = useState(0);
  /** A polite status line for screen readers (retrying, sent again). */
  const [announce, setAnnounce] = useState('');
  /** The announcer's lines: new incoming messages and "N earlier messages loaded", each added once. */
  const [news, setNews] = useState<{ key: number; text: string }[]>([]);
  const newsKey = useRef(0);
  /** What the last shown load held, so the next one announces only what is new (see arrivals.ts). */
  const seen = useRef<Seen | undefined>(undefined);
  const [shown, setShown] = useState({ contact, limit: HISTORY_PAGE });
  const limit = shown.contact === contact ? shown.limit : HISTORY_PAGE; // a new chat starts at one page
  const [more, setMore] = useState(false);
  /** The message at the top before earlier ones were loaded, and where it was on screen. */
  const anchor = useRef<{ id: string; top: number } | null>(null);
  const list = useRef<HTMLOListElement>(null);
  const end = useRef<HTMLDivElement>(null);
  const composer = useRef<HTMLTextAreaElement>(null);
  // Opening a chat removes the list button that had focus; put focus where the user types next
  // instead of dropping it to the page (keyboard users would start over from the top).
  useEffect(() => composer.current?.focus(), [contact]);

  // `version` moves on every incoming message: one reload in flight and one queued at most, not one
  // per message. A reload shows what it read only if the chat and page size are still the ones it
  // read them for and the view is still open; otherwise the queued reload (or nothing) takes over.
  const wanted = useRef({ m, contact, limit, open: true });
  wanted.current = { m, contact, limit, open: true };
  useEffect(
    () => () => {
      wanted.current.open = false;
    },
    [],
  );
  const reload = useMemo(
    () =>
      coalesce(async () => {
        const at = wanted.current;
        const current = () => {
          const now = wanted.current;
          return now.open && now.m === at.m && now.contact === at.contact && now.limit === at.limit;
        };
        try {
          // One more than shown tells whether there is anything earlier.
          const [h, c] = await Promise.all([
            at.m.history(at.contact, at.limit + 1),
            at.m.contact(at.contact),
          ]);
          if (!current()) return;
          const shownNow = h.length > at.limit ? h.slice(h.length - at.limit) : h;
          const a = arrivals(seen.current, at.contact, at.limit, shownNow);
          const lines = announcements(at.contact, a);
          if (seen.current?.contact !== at.contact) setNews([]); // another chat: its lines go
          seen.current = a.seen;
          if (lines.length > 0) {
            const added = lines.map((t) => ({ key: ++newsKey.current, text: t }));
            setNews((n) => [...n, ...added].slice(-NEWS_KEEP));
          }
          setMore(h.length > at.limit);
          setEntries(shownNow);
          setInfo(c);
          await at.m.markRead(at.contact);
        } catch (e) {
          if (current()) setError(errorText(e));
        }
      }),
    [],
  );
  useEffect(() => {
    void reload();
  }, [m, contact, version, sent, limit, reload]);

  // Follow the newest message (a new one arrived or was sent), not earlier ones loaded above.
  const newest = entries[entries.length - 1]?.id;
  useEffect(() => end.current?.scrollIntoView?.({ block: 'end' }), [newest]);
  // Earlier messages went in above: scroll by as much as they pushed the old first message down, so
  // what the user was reading stays where it was.
  useLayoutEffect(() => {
    const a = anchor.current;
    if (!a) return;
    const el = list.current?.querySelector(`[data-id="${a.id}"]`);
    if (!el || entries[0]?.id === a.id) return; // not loaded yet
    anchor.current = null;
    window.scrollBy(0, el.getBoundingClientRect().top - a.top);
    if (!more) list.current?.focus(); // the button is gone: keep focus in the conversation
  }, [entries, more]);

  const showEarlier = () => {
    const first = entries[0];
    const el = first && list.current?.querySelector(`[data-id="${first.id}"]`);
    if (first && el) anchor.current = { id: first.id, top: el.getBoundingClientRect().top };
    setShown({ contact, limit: limit + HISTORY_PAGE });
  };
  // The composer grows with its text up to the CSS max-height, then scrolls (CSSOM, allowed by the CSP).
  useLayoutEffect(() => fitToText(composer.current), [text]);

  const send = async (ev?: Event) => {
    ev?.preventDefault();
    if (text.trim() === '') return;
    setError('');
    try {
      const s = await m.send(contact, text);
      setText('');
      setSent((n) => n + 1);
      s.accepted.catch((e: unknown) => setError(errorText(e)));
    } catch (e) {
      setError(errorText(e));
    }
  };

  // Sends a failed message again under its own id (the Messenger re-queues it in the outbox); its
  // state goes back to "sending", so the button goes and focus returns to the composer.
  const retry = async (e: HistoryEntry) => {
    setError('');
    setAnnounce('Sending the message again.');
    composer.current?.focus();
    try {
      const s = await m.retry(contact, e.id);
      setSent((n) => n + 1);
      s.accepted.then(
        () => setAnnounce('The message was sent.'),
        (err: unknown) => setError(errorText(err)),
      );
    } catch (err) {
      setError(errorText(err));
    }
  };

  const now = Date.now();
  const blocked = info?.trust === 'changed' || info?.trust === 'verified-changed';
  return (
    <section class="conversation" data-testid="conversation-view">
      <div class="conv-head">
        <button type="button" onClick={() => nav({ kind: 'chats' })}>
          ← Chats
        </button>
        <h2>{contact}</h2>
        {info?.trust === 'verified' && <span class="badge ok">verified</span>}
        <button type="button" data-testid="open-safety" onClick={() => nav({ kind: 'safety', contact })}>
          Safety number
        </button>
      </div>
      {more && (
        <button type="button" class="earlier" data-testid="show-earlier" onClick={showEarlier}>
          Show earlier messages
        </button>
      )}
      {/*
        A plain labelled list, NOT a live region: role=log implies aria-live=polite, so every row
        Preact inserts (200 earlier messages, a re-render) could be read out as news. role=feed
        would ask for <article> rows and aria-busy/aria-setsize bookkeeping and gives no more than
        list navigation does here. role="list" is explicit because WebKit drops the list role of a
        list-style:none list. What to announce is decided in one place: the announcer below.
      */}
      <ol
        class="messages"
        data-testid="messages"
        ref={list}
        tabIndex={-1}
        role="list"
        aria-label={`Messages with ${contact}`}
      >
        {entries.map((e, i) => [
          // A day separator above each calendar day's first message: the time beside a message has no date.
          (i === 0 || localDay(entries[i - 1]?.sentAt ?? 0) !== localDay(e.sentAt)) && (
            <li key={`day-${localDay(e.sentAt)}`} class="day" data-testid="day-separator">
              <time dateTime={isoDay(e.sentAt)}>{dayLabel(e.sentAt, now)}</time>
            </li>
          ),
          <li
            key={e.id}
            class={`msg msg-${e.direction}`}
            data-testid="message"
            data-id={e.id}
            data-direction={e.direction}
          >
            <LinkText text={e.text} />
            <span class="meta">
              <time dateTime={new Date(e.sentAt).toISOString()} title={fullLabel(e.sentAt)}>
                {timeLabel(e.sentAt)}
              </time>
              {e.direction === 'out' && (
                <span class="state" data-testid="delivery-state" data-state={e.state}>
                  {' '}
                  {STATE_TEXT[e.state] ?? e.state}
                </span>
              )}
              {e.direction === 'out' && e.state === 'failed' && (
                <>
                  {' '}
                  <button
                    type="button"
                    class="retry"
                    data-testid="retry"
                    aria-label={`Retry sending: ${preview(e.text)}`}
                    onClick={() => void retry(e)}
                  >
                    Retry
                  </button>
                </>
              )}
            </span>
          </li>,
        ])}
      </ol>
      <div ref={end} />
      {blocked ? (
        <p class="error" role="alert" data-testid="sending-blocked">
          Sending is blocked until you accept {contact}'s new safety number.{' '}
          <button
            type="button"
            data-testid="review-identity"
            onClick={() => nav({ kind: 'safety', contact })}
          >
            Review the new safety number
          </button>
        </p>
      ) : (
        <form class="composer" onSubmit={(e) => void send(e)}>
          <textarea
            name="message"
            ref={composer}
            rows={1}
            autocomplete="off"
            aria-label={`Message to ${contact}`}
            aria-description="Enter sends, Shift+Enter starts a new line"
            placeholder="Message"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => {
              // Enter sends, Shift+Enter is a line break; Enter that confirms an IME composition is not a send.
              if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
              e.preventDefault();
              void send();
            }}
          />
          <button type="submit">Send</button>
        </form>
      )}
      <p class="visually-hidden" role="status" data-testid="send-status">
        {announce}
      </p>
      {/*
        The announcer: read by screen readers, not shown. Each line is added once and never changed,
        so with aria-relevant=additions (and not atomic, unlike role=status) only the new line is
        read: "pia: hello" for an incoming message, "200 earlier messages loaded". Own messages are
        not read back; their delivery has the status line above.
      */}
      <div class="visually-hidden" data-testid="announcer" aria-live="polite" aria-relevant="additions">
        {news.map((n) => (
          <p key={n.key}>{n.text}</p>
        ))}
      </div>
      {error && (
        <p class="error" role="alert" data-testid="error">
          {error}
        </p>
      )}
    </section>
  );
}

function fitToText(el: HTMLTextAreaElement | null): void {
  if (!el) return;
  el.style.height = 'auto';
  el.style.height = `${el.scrollHeight + el.offsetHeight - el.clientHeight}px`;
}

/** The start of a message, to tell Retry buttons apart for screen readers. */
function preview(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 40 ? `${line.slice(0, 40)}…` : line;
}
