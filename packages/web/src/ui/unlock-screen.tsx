// Unlock: the passphrase derives the KEK (scrypt), which unwraps the store's data key.
import { useState } from 'preact/hooks';
import type { Messenger } from '@sotto/client';
import { openMessenger } from '../platform/messenger-factory.js';
import { errorText } from './error-text.js';

export function UnlockScreen({ onOpen }: { onOpen: (m: Messenger) => void }) {
  const [pass, setPass] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  const submit = async (ev: Event) => {
    ev.preventDefault();
    setBusy(true);
    setError('');
    try {
      onOpen(await openMessenger(pass));
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };

  return (
    <form class="card" data-testid="unlock-screen" onSubmit={(e) => void submit(e)}>
      <h1>Sotto is locked</h1>
      <label>
        Passphrase
        <input
          name="passphrase"
          type="password"
          autofocus
          value={pass}
          onInput={(e) => setPass(e.currentTarget.value)}
        />
      </label>
      {error && (
        <p class="error" role="alert" data-testid="error">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Unlocking…' : 'Unlock'}
      </button>
    </form>
  );
}
