// Settings: the relay this account lives on (read-only, see relay-url.ts), the build hash, how the
// keys are held, lock.
import type { Messenger } from '@sotto/client';
import { lastKekInfo } from '../platform/key-wrapper.js';
import type { BuildInfo } from './build-info.js';
import { OTHER_RELAY_TEXT } from './relay-url.js';

interface Props {
  m: Messenger;
  build: BuildInfo | undefined;
  onLock: () => void;
}

export function SettingsView({ m, build, onLock }: Props) {
  const key = lastKekInfo();
  return (
    <section data-testid="settings-view">
      <h2>Settings</h2>
      <dl>
        <dt>Relay</dt>
        <dd>
          <span class="mono" data-testid="relay-url">
            {m.relayUrl}
          </span>{' '}
          (read-only)
          <p class="muted" data-testid="relay-url-why">
            {OTHER_RELAY_TEXT} Your address, which your contacts hold, names this relay too.
          </p>
        </dd>
        <dt>Account</dt>
        <dd>
          {m.accountId} · device {m.deviceId}
        </dd>
        <dt>Build hash (SHA-256)</dt>
        <dd class="mono" data-testid="settings-build-hash">
          {build?.sha256 ?? 'unknown'}
        </dd>
        <dt>Passphrase key (KEK)</dt>
        <dd data-testid="key-info" data-extractable={String(key?.extractable)}>
          {key === undefined
            ? 'not derived'
            : `${key.algorithm} in WebCrypto, ${key.extractable ? 'EXTRACTABLE' : 'non-extractable'} (${key.usages.join(', ')}); used to unwrap the data key, then dropped`}
        </dd>
      </dl>
      <p class="muted">
        Compare the build hash with the value published by whoever runs this relay. A web client is only as
        trustworthy as the server that serves its code; the sotto command-line client is the higher-assurance
        option.
      </p>
      <button type="button" onClick={onLock}>
        Lock now
      </button>
    </section>
  );
}
