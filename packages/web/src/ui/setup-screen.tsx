// Create account: optional username, passphrase twice, relay URL (the serving origin; see relay-url.ts).
import { useState } from 'preact/hooks';
import type { Messenger } from '@sotto/client';
import { createMessenger } from '../platform/messenger-factory.js';
import { errorText } from './error-text.js';
import { checkRelayUrl } from './relay-url.js';

const MIN_PASSPHRASE = 8;

export function SetupScreen({ onOpen }: { onOpen: (m: Messenger) => void }) {
  const [username, setUsername] = useState('');
  const [pass, setPass] = useState('');
  const [pass2, setPass2] = useState('');
  const [relay, setRelay] = useState(location.origin);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (pass.length < MIN_PASSPHRASE)
      return setError(`Use a passphrase of at least ${MIN_PASSPHRASE} characters.`);
    if (pass !== pass2) return setError('The passphrases do not match.');
    const relayUrl = checkRelayUrl(relay, location.origin);
    if (!relayUrl.ok) return setError(relayUrl.error);
    setBusy(true);
    setError('');
    try {
      onOpen(await createMessenger(pass, relayUrl.url, username.trim() || undefined));
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };

  return (
    <form class="card" data-testid="setup-screen" onSubmit={(e) => void submit(e)}>
      <h1>Create your Sotto account</h1>
      <p class="muted">
        Your keys and messages stay in this browser, encrypted under your passphrase. There is no recovery: if
        you forget it, the account is gone.
      </p>
      <label>
        Username (optional)
        <input
          name="username"
          autocomplete="off"
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
      </label>
      <label>
        Passphrase
        <input
          name="passphrase"
          type="password"
          value={pass}
          onInput={(e) => setPass(e.currentTarget.value)}
        />
      </label>
      <label>
        Repeat passphrase
        <input
          name="passphrase2"
          type="password"
          value={pass2}
          onInput={(e) => setPass2(e.currentTarget.value)}
        />
      </label>
      <label>
        Relay URL
        <input name="relay" value={relay} onInput={(e) => setRelay(e.currentTarget.value)} />
      </label>
      {error && (
        <p class="error" role="alert" data-testid="error">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Creating… (deriving keys)' : 'Create account'}
      </button>
    </form>
  );
}
