/**
 * The unlocked app: navigation, the current view, and the blocking identity-change banner. Connects
 * to the relay once on mount (the Messenger reconnects by itself).
 */
import { useEffect, useState } from 'preact/hooks';
import type { ContactView, Messenger } from '@sotto/client';
import type { BuildInfo } from './build-info.js';
import { AddressView } from './address-view.js';
import type { RelayOutcome } from './delete-account.js';
import { ChatsView } from './chats-view.js';
import { ConversationView } from './conversation-view.js';
import { IdentityBanner } from './identity-banner.js';
import { SafetyView } from './safety-view.js';
import { SettingsView } from './settings-view.js';
import { useMessengerVersion } from './use-messenger.js';

export type View =
  | { kind: 'chats' }
  | { kind: 'conversation'; contact: string }
  | { kind: 'safety'; contact: string }
  | { kind: 'address' }
  | { kind: 'settings' };

interface Props {
  m: Messenger;
  build: BuildInfo | undefined;
  onLock: () => void;
  onDeleted: (how: RelayOutcome) => void;
}

export function MainScreen({ m, build, onLock, onDeleted }: Props) {
  const [view, setView] = useState<View>({ kind: 'chats' });
  const { version, connection } = useMessengerVersion(m);
  const [changed, setChanged] = useState<ContactView[]>([]);
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());

  useEffect(() => {
    m.connect().catch(() => undefined); // state shows in the header; the Messenger retries
  }, [m]);

  useEffect(() => {
    void m.contacts().then((cs) => {
      const now = cs.filter((c) => c.trust === 'changed' || c.trust === 'verified-changed');
      setChanged(now);
      // A cancel covers one pending change: once it is resolved, the NEXT change shows the banner again.
      setDismissed((d) => new Set([...d].filter((name) => now.some((c) => c.name === name))));
    });
  }, [m, version]);

  const banner = changed.find((c) => !dismissed.has(c.name));
  const nav = (v: View) => setView(v);

  return (
    <div class="main" data-testid="main-screen">
      {/* While the banner is up everything behind it is inert: no clicks, no keyboard focus. */}
      <header class="top" inert={banner !== undefined}>
        <strong class="brand">Sotto</strong>
        {/* A status region: screen readers hear "reconnecting" / "online" when the relay link changes. */}
        <span
          class={`conn conn-${connection}`}
          data-testid="connection"
          role="status"
          aria-label="Relay connection"
        >
          {connection}
        </span>
        <nav>
          <button type="button" onClick={() => nav({ kind: 'chats' })}>
            Chats
          </button>
          <button type="button" onClick={() => nav({ kind: 'address' })}>
            My address
          </button>
          <button type="button" onClick={() => nav({ kind: 'settings' })}>
            Settings
          </button>
          <button type="button" data-testid="lock" onClick={onLock}>
            Lock
          </button>
        </nav>
      </header>
      {banner !== undefined && (
        <IdentityBanner
          m={m}
          contact={banner}
          onDone={(accepted) => {
            if (!accepted) setDismissed(new Set([...dismissed, banner.name]));
            setView(accepted ? { kind: 'safety', contact: banner.name } : { kind: 'chats' });
          }}
        />
      )}
      <main
        class={banner !== undefined ? 'blocked' : ''}
        aria-hidden={banner !== undefined}
        inert={banner !== undefined}
      >
        {view.kind === 'chats' && <ChatsView m={m} version={version} nav={nav} />}
        {view.kind === 'conversation' && (
          <ConversationView m={m} contact={view.contact} version={version} nav={nav} />
        )}
        {view.kind === 'safety' && <SafetyView m={m} contact={view.contact} version={version} nav={nav} />}
        {view.kind === 'address' && <AddressView m={m} />}
        {view.kind === 'settings' && (
          <SettingsView m={m} build={build} onLock={onLock} onDeleted={onDeleted} />
        )}
      </main>
    </div>
  );
}
