// Conversation list (unread counts) and "add contact" by sotto: address, @username or pasted QR data.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ConversationView, Messenger } from '@sotto/client';
import { coalesce } from './coalesce.js';
import { errorText } from './error-text.js';
import type { View } from './main-screen.js';

interface Props {
  m: Messenger;
  version: number;
  nav: (v: View) => void;
}

export function ChatsView({ m, version, nav }: Props) {
  const [convs, setConvs] = useState<ConversationView[]>([]);
  const [name, setName] = useState('');
  const [target, setTarget] = useState('');
  const [error, setError] = useState('');
  const [added, setAdded] = useState(0);

  // `version` moves on every incoming message: one reload in flight and one queued at most, not one
  // per message (each reads every conversation's summary).
  const load = useRef(m);
  load.current = m;
  const refresh = useMemo(
    () => coalesce(() => load.current.conversations().then(setConvs, () => undefined)),
    [],
  );
  useEffect(() => {
    void refresh();
  }, [m, version, added, refresh]);

  const add = async (ev: Event) => {
    ev.preventDefault();
    setError('');
    try {
      // Pasted QR data is the sotto: address itself; trim what scanners and clipboards add.
      const c = await m.addContact(name.trim(), target.trim());
      setName('');
      setTarget('');
      setAdded((n) => n + 1);
      nav({ kind: 'conversation', contact: c.name });
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <section data-testid="chats-view">
      <h2>Chats</h2>
      {convs.length === 0 && <p class="muted">No conversations yet. Add a contact below.</p>}
      <ul class="convs">
        {convs.map((c) => (
          <li key={c.contact.name}>
            <button
              type="button"
              class="conv"
              data-testid={`conv-${c.contact.name}`}
              onClick={() => nav({ kind: 'conversation', contact: c.contact.name })}
            >
              <span class="conv-name">{c.contact.name}</span>
              {c.contact.trust === 'verified' && (
                <span class="badge ok" title="verified">
                  ✔
                </span>
              )}
              {(c.contact.trust === 'changed' || c.contact.trust === 'verified-changed') && (
                <span class="badge warn">key changed</span>
              )}
              <span class="conv-last" dir="auto">
                {c.last?.text ?? ''}
              </span>
              {c.unread > 0 && (
                <span class="unread" data-testid={`unread-${c.contact.name}`}>
                  {c.unread}
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
      <form class="card" data-testid="add-contact" onSubmit={(e) => void add(e)}>
        <h3>Add a contact</h3>
        <label>
          Name
          <input name="contact-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Address, @username or pasted QR data
          <textarea
            name="contact-address"
            rows={2}
            value={target}
            onInput={(e) => setTarget(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error" role="alert" data-testid="error">
            {error}
          </p>
        )}
        <button type="submit">Add</button>
      </form>
    </section>
  );
}
