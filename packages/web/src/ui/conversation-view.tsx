// One conversation: history, live incoming messages, delivery state, and the composer.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ContactView, HistoryEntry, Messenger } from '@sotto/client';
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

export function ConversationView({ m, contact, version, nav }: Props) {
  const [entries, setEntries] = useState<HistoryEntry[]>([]);
  const [info, setInfo] = useState<ContactView | undefined>(undefined);
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [sent, setSent] = useState(0);
  const end = useRef<HTMLDivElement>(null);
  const composer = useRef<HTMLTextAreaElement>(null);
  // Opening a chat removes the list button that had focus; put focus where the user types next
  // instead of dropping it to the page (keyboard users would start over from the top).
  useEffect(() => composer.current?.focus(), [contact]);

  useEffect(() => {
    let live = true;
    void (async () => {
      const [h, c] = await Promise.all([m.history(contact, 200), m.contact(contact)]);
      if (!live) return;
      setEntries(h);
      setInfo(c);
      await m.markRead(contact);
    })().catch((e: unknown) => setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [m, contact, version, sent]);

  useEffect(() => end.current?.scrollIntoView?.({ block: 'end' }), [entries.length]);
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
      {/* A log: screen readers announce messages as they arrive (polite: never interrupting). */}
      <ol
        class="messages"
        data-testid="messages"
        role="log"
        aria-live="polite"
        aria-label={`Messages with ${contact}`}
      >
        {entries.map((e, i) => [
          // A day separator above each calendar day's first message: the time beside a message has no date.
          (i === 0 || localDay(entries[i - 1]?.sentAt ?? 0) !== localDay(e.sentAt)) && (
            <li key={`day-${localDay(e.sentAt)}`} class="day" data-testid="day-separator">
              <time dateTime={isoDay(e.sentAt)}>{dayLabel(e.sentAt, now)}</time>
            </li>
          ),
          <li key={e.id} class={`msg msg-${e.direction}`} data-testid="message" data-direction={e.direction}>
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
