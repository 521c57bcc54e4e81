// Settings: the relay this account lives on (read-only, see relay-url.ts), the account and its identity
// fingerprint, the username, the devices and linking a new one, the build hash, how the keys are held,
// lock, delete the account.
import { useMemo } from 'preact/hooks';
import type { Messenger } from '@sotto/client';
import { sessionKeyInfo } from '../platform/session-keys.js';
import type { KeyInfo } from '../platform/store-keys.js';
import type { BuildInfo } from './build-info.js';
import { DeleteAccount, type RelayOutcome } from './delete-account.js';
import { DeviceList } from './device-list.js';
import { identityFingerprint } from './link-code.js';
import { LinkDevice } from './link-device.js';
import { OTHER_RELAY_TEXT } from './relay-url.js';
import { UsernameForm } from './username-form.js';

interface Props {
  m: Messenger;
  build: BuildInfo | undefined;
  onLock: () => void;
  /** The account was deleted on the relay and this browser's data erased. */
  onDeleted: (how: RelayOutcome) => void;
}

export function SettingsView({ m, build, onLock, onDeleted }: Props) {
  const keys = sessionKeyInfo();
  const identity = useMemo(() => identityFingerprint(m.identityKey), [m]);
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
        <dt>Identity fingerprint</dt>
        <dd>
          <span class="mono" data-testid="identity-fingerprint">
            {identity}
          </span>
          <p class="muted">
            The same on every device of this account (the command line’s <code>sotto whoami</code> shows it
            too): compare it after linking a device.
          </p>
        </dd>
        <dt>Build hash (SHA-256)</dt>
        <dd class="mono" data-testid="settings-build-hash">
          {build?.sha256 ?? 'unknown'}
        </dd>
        <dt>Passphrase key (KEK)</dt>
        <dd data-testid="key-info" data-extractable={String(keys?.kek.extractable)}>
          {keys === undefined
            ? 'not derived'
            : `${describe(keys.kek)}; used once to ${
                keys.kek.usages.includes('unwrapKey')
                  ? 'unwrap the data key inside WebCrypto'
                  : 'wrap the new data key'
              }, then dropped`}
        </dd>
        <dt>Keys held while unlocked</dt>
        <dd
          data-testid="held-keys"
          data-extractable={String(
            keys === undefined ? undefined : keys.record.extractable || keys.blind.extractable,
          )}
        >
          {keys === undefined ? (
            'none'
          ) : (
            <>
              record key: {describe(keys.record)}
              <br />
              blinding key: {describe(keys.blind)}
              <br />
              The data key itself is never in page memory on unlock; it is unwrapped inside WebCrypto, used to
              derive these two, and dropped.
            </>
          )}
        </dd>
      </dl>
      <UsernameForm m={m} />
      <DeviceList m={m} />
      <LinkDevice m={m} />
      <p class="muted">
        Compare the build hash with the value published by whoever runs this relay. A web client is only as
        trustworthy as the server that serves its code; the sotto command-line client is the higher-assurance
        option.
      </p>
      <button type="button" onClick={onLock}>
        Lock now
      </button>
      <DeleteAccount m={m} onDeleted={onDeleted} />
    </section>
  );
}

function describe(k: KeyInfo): string {
  return `${k.algorithm} in WebCrypto, ${k.extractable ? 'EXTRACTABLE' : 'non-extractable'} (${k.usages.join(', ')})`;
}
