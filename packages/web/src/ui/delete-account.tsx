// Settings → Delete account: deletes the account on the relay, then erases this browser's data
// (platform/local-data.ts), then the app shows setup as in a fresh profile. The final button is armed
// only once a fixed word is typed, so it cannot be pressed by accident. If the relay step fails nothing
// has changed (the Messenger is still open); if only the erasing fails, the button retries just that.
// One relay refusal is different: Unauthorized means the relay no longer knows this device (the account
// or this device was deleted from another device), so this browser's data is all there is left to erase
// and the button offers just that (closing the still-open Messenger first).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Messenger } from '@sotto/client';
import {
  closeSession,
  deleteAccountOnRelay,
  eraseThisBrowser,
  relayForgotThisDevice,
} from '../platform/local-data.js';
import { errorText } from './error-text.js';

/** What must be typed to arm the final button. */
export const CONFIRM_WORD = 'delete';

/** Shown when the relay refuses the deletion with Unauthorized. */
export const DEVICE_UNKNOWN_TEXT =
  'The relay no longer knows this device: the account, or this device, was deleted from another device. Erase this browser’s data to finish.';

/** How the relay step ended: the account deleted now, or this device already unknown to the relay. */
export type RelayOutcome = 'deleted' | 'device-unknown';

interface Props {
  m: Messenger;
  /** The account is gone from the relay (or this device is unknown to it) and this browser's data is erased. */
  onDeleted: (how: RelayOutcome) => void;
}

export function DeleteAccount({ m, onDeleted }: Props) {
  const [open, setOpen] = useState(false);
  const [word, setWord] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  // The relay has deleted the account, or no longer knows this device; only this browser's data is
  // left to erase.
  const [relayGone, setRelayGone] = useState<RelayOutcome | null>(null);
  const relayDone = relayGone !== null;
  const opener = useRef<HTMLButtonElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const finalButton = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);

  // Opening moves focus to the confirmation field; Cancel returns it to the button that opened it.
  useEffect(() => {
    if (open) input.current?.focus();
    else if (wasOpen.current) opener.current?.focus();
    wasOpen.current = open;
  }, [open]);
  // After a failure (the buttons were disabled meanwhile, which drops focus) focus goes back to what
  // can be used next: the field, or the retry once the relay step is done.
  useEffect(() => {
    if (error === '') return;
    (relayDone ? finalButton.current : input.current)?.focus();
  }, [error, relayDone]);

  const armed = relayDone || word.trim() === CONFIRM_WORD;

  const confirm = async (ev: Event) => {
    ev.preventDefault();
    if (!armed || busy) return;
    setBusy(true);
    setError('');
    let gone = relayGone;
    if (gone === null) {
      setStatus('Deleting the account on the relay…');
      try {
        await deleteAccountOnRelay(m);
      } catch (e) {
        setStatus('');
        if (relayForgotThisDevice(e)) {
          setRelayGone('device-unknown');
          setError(DEVICE_UNKNOWN_TEXT);
        } else {
          setError(errorText(e));
        }
        setBusy(false);
        return;
      }
      gone = 'deleted';
      setRelayGone(gone);
    }
    setStatus('Erasing this browser’s data…');
    try {
      await closeSession(m);
      await eraseThisBrowser(() =>
        setStatus(
          'Erasing this browser’s data: waiting for other Sotto tabs of this browser to let go of it…',
        ),
      );
    } catch (e) {
      setStatus('');
      setError(
        gone === 'deleted'
          ? `The account was deleted on the relay, but this browser’s data could not be erased. ${errorText(e)} Try again.`
          : `The relay no longer knows this device, and this browser’s data could not be erased. ${errorText(e)} Try again.`,
      );
      setBusy(false);
      return;
    }
    onDeleted(gone);
  };

  const cancel = () => {
    setOpen(false);
    setWord('');
    setError('');
  };

  return (
    <form class="card" data-testid="delete-account" onSubmit={(e) => void confirm(e)}>
      <h3>Delete account</h3>
      <p class="muted">
        This deletes your account on the relay for all your devices, with your keys, your username and any
        messages still waiting for you, and erases everything Sotto keeps in this browser. It cannot be
        undone.
      </p>
      <div class="row">
        <button
          type="button"
          ref={opener}
          aria-expanded={open}
          aria-controls="delete-account-confirm"
          disabled={busy || relayDone}
          onClick={() => (open ? cancel() : setOpen(true))}
        >
          Delete account…
        </button>
      </div>
      {open && (
        <div id="delete-account-confirm" class="card">
          <label>
            <span>
              Type <strong>{CONFIRM_WORD}</strong> to confirm
            </span>
            <input
              name="confirm-delete"
              ref={input}
              autocomplete="off"
              spellcheck={false}
              disabled={busy || relayDone}
              value={word}
              onInput={(e) => setWord(e.currentTarget.value)}
            />
          </label>
          {error && (
            <p class="error" role="alert" data-testid="delete-account-error">
              {error}
            </p>
          )}
          <p role="status" data-testid="delete-account-status">
            {status}
          </p>
          <div class="row">
            <button type="submit" class="danger" ref={finalButton} disabled={busy || !armed}>
              {relayDone ? 'Erase this browser’s data' : 'Delete account permanently'}
            </button>
            {!relayDone && (
              <button type="button" disabled={busy} onClick={cancel}>
                Cancel
              </button>
            )}
          </div>
        </div>
      )}
    </form>
  );
}
