/**
 * Top level: loading → create account | unlock → the unlocked app. Locking (or a reload) closes the
 * Messenger and its store, dropping the held keys; the next unlock derives them again from the
 * passphrase. Deleting the account (Settings) ends at setup, as in a fresh browser profile.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Messenger } from '@sotto/client';
import { hasAccount } from '../platform/messenger-factory.js';
import { forgetSession } from '../platform/session-keys.js';
import { releaseTabLock } from '../platform/tab-lock.js';
import { loadBuildInfo, type BuildInfo } from './build-info.js';
import { SetupScreen } from './setup-screen.js';
import { UnlockScreen } from './unlock-screen.js';
import { MainScreen } from './main-screen.js';

type Phase =
  | { kind: 'loading' }
  | { kind: 'setup'; notice?: string; info?: string }
  | { kind: 'locked' }
  | { kind: 'open'; m: Messenger };

const UNFINISHED =
  'The account set up in this browser was never finished (the relay did not register it), so there is nothing to unlock. Create the account again.';
const DELETED =
  'Your account was deleted on the relay and everything Sotto kept in this browser was erased. You can create a new account.';
const DEVICE_UNKNOWN =
  'The relay no longer knew this device (the account, or this device, was deleted from another device), and everything Sotto kept in this browser was erased. You can create a new account.';

export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [build, setBuild] = useState<BuildInfo | undefined>(undefined);

  useEffect(() => {
    void loadBuildInfo().then(setBuild);
    void hasAccount().then(
      (yes) => setPhase({ kind: yes ? 'locked' : 'setup' }),
      () => setPhase({ kind: 'setup' }),
    );
  }, []);

  const opened = (m: Messenger) => setPhase({ kind: 'open', m });
  const lock = async (m: Messenger) => {
    await m.close().catch(() => undefined);
    forgetSession();
    releaseTabLock();
    setPhase({ kind: 'locked' });
  };

  return (
    <div class="shell">
      {phase.kind === 'loading' && <p class="muted">Loading…</p>}
      {phase.kind === 'setup' && <SetupScreen onOpen={opened} notice={phase.notice} info={phase.info} />}
      {phase.kind === 'locked' && (
        <UnlockScreen onOpen={opened} onUnfinished={() => setPhase({ kind: 'setup', notice: UNFINISHED })} />
      )}
      {phase.kind === 'open' && (
        <MainScreen
          m={phase.m}
          build={build}
          onLock={() => void lock(phase.m)}
          onDeleted={(how) => setPhase({ kind: 'setup', info: how === 'deleted' ? DELETED : DEVICE_UNKNOWN })}
        />
      )}
      <footer class="build" data-testid="build-hash">
        build sha256: {build?.sha256 ?? 'unknown (development build)'}
      </footer>
    </div>
  );
}
