// Unlock: the passphrase derives the KEK (scrypt), which unwraps the store's data key.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Messenger } from '@sotto/client';
import { deleteUnfinishedStore, openMessenger } from '../platform/messenger-factory.js';
import { errorCode, errorText } from './error-text.js';

interface Props {
  onOpen: (m: Messenger) => void;
  /** The passphrase opened a store that holds no account (setup was cut short): it was removed. */
  onUnfinished: () => void;
}

export function UnlockScreen({ onOpen, onUnfinished }: Props) {
  const [pass, setPass] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const input = useRef<HTMLInputElement>(null);
  // After a failed attempt the field is focused and selected again, so the user can simply retype
  // (the button was disabled meanwhile, which drops focus to the page).
  useEffect(() => {
    if (error === '') return;
    input.current?.focus();
    input.current?.select();
  }, [error]);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    setBusy(true);
    setError('');
    try {
      onOpen(await openMessenger(pass));
    } catch (e) {
      // NoAccount after the store opened with this passphrase: setup stopped before the relay registered
      // the account (tab closed, relay gone). Nothing is in it; removing it lets setup run again.
      if (
        errorCode(e) === 'NoAccount' &&
        (await deleteUnfinishedStore().then(
          () => true,
          () => false,
        ))
      )
        return onUnfinished();
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
          ref={input}
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
