// Settings → Username: set, change or remove this account's @username on the relay (Messenger
// setUsername / deleteUsername). Contacts who added you by address are not affected; the old name is
// free for anyone once changed or removed.
import { useState } from 'preact/hooks';
import type { Messenger } from '@sotto/client';
import { USERNAME_RE } from '@sotto/wire';
import { codeText, errorText } from './error-text.js';

export function UsernameForm({ m }: { m: Messenger }) {
  const [current, setCurrent] = useState(m.username);
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);

  const run = async (what: () => Promise<string>) => {
    setError('');
    setDone('');
    setBusy(true);
    try {
      setDone(await what());
      setCurrent(m.username);
      setName('');
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const save = (ev: Event) => {
    ev.preventDefault();
    const wanted = name.trim().replace(/^@/, '');
    // Refused here with the same sentence the relay's refusal gets, without a round trip.
    if (!USERNAME_RE.test(wanted)) return setError(codeText('InvalidUsername'));
    void run(async () => `Your username is now @${await m.setUsername(wanted)}.`);
  };

  return (
    <form class="card" data-testid="username-form" onSubmit={save}>
      <h3>Username</h3>
      <p data-testid="settings-username">
        {current === null ? 'You have no username.' : `Your username is @${current}.`}
      </p>
      <p class="muted">
        People can add you by @username on this relay. Changing or removing it frees the old one for anyone;
        contacts who already have you keep you.
      </p>
      <label>
        {current === null ? 'Username' : 'New username'}
        <input
          name="new-username"
          autocomplete="off"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </label>
      {error && (
        <p class="error" role="alert" data-testid="error">
          {error}
        </p>
      )}
      <p role="status" data-testid="username-status">
        {done}
      </p>
      <div class="row">
        <button type="submit" disabled={busy}>
          {current === null ? 'Set username' : 'Change username'}
        </button>
        {current !== null && (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                await m.deleteUsername();
                return 'Your username is removed.';
              })
            }
          >
            Remove username
          </button>
        )}
      </div>
    </form>
  );
}
