// Settings → Devices: this account's devices as the relay lists them, this one marked, and removing
// another one (a lost or replaced device: the relay deletes its keys and waiting messages and closes
// its connections). Removal is for good, so it takes a second, explicit button; the confirmation opens
// with focus on Cancel (a repeated Enter must not remove), and Cancel returns focus to the row's button.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Messenger } from '@sotto/client';
import { errorText } from './error-text.js';

export function DeviceList({ m }: { m: Messenger }) {
  const [devices, setDevices] = useState<number[] | null>(null);
  const [loadError, setLoadError] = useState('');
  const [confirming, setConfirming] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const [loads, setLoads] = useState(0);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const removeButton = useRef<HTMLButtonElement>(null);
  const statusLine = useRef<HTMLParagraphElement>(null);
  const openers = useRef(new Map<number, HTMLButtonElement>());
  const returnTo = useRef<number | null>(null);

  useEffect(() => {
    let live = true;
    setLoadError('');
    m.devices().then(
      (ids) => live && setDevices([...ids].sort((a, b) => a - b)),
      (e: unknown) => live && setLoadError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [m, loads]);

  useEffect(() => {
    if (confirming !== null) cancelButton.current?.focus();
    else if (returnTo.current !== null) openers.current.get(returnTo.current)?.focus();
    returnTo.current = null;
  }, [confirming]);
  // After a failed removal (the buttons were disabled meanwhile, which drops focus) focus goes back to
  // the button that retries it.
  useEffect(() => {
    if (error !== '') removeButton.current?.focus();
  }, [error]);

  const cancel = () => {
    returnTo.current = confirming;
    setConfirming(null);
    setError('');
  };

  const remove = async (id: number) => {
    setBusy(true);
    setError('');
    setStatus('');
    try {
      await m.removeDevice(id);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
      return;
    }
    setBusy(false);
    setConfirming(null);
    setDevices((ds) => ds?.filter((d) => d !== id) ?? null);
    setStatus(`Device ${id} was removed: the relay no longer accepts it.`);
    // Its row, which held the focus, is gone: focus goes to what happened.
    statusLine.current?.focus();
  };

  return (
    <section class="card" data-testid="devices" aria-labelledby="devices-heading">
      <h3 id="devices-heading">Devices</h3>
      <p class="muted">
        Every device of your account holds its keys and receives what is sent to you. Remove one you lost or
        replaced; to add one, use Link a new device below.
      </p>
      {devices === null && loadError === '' && <p class="muted">Loading the device list…</p>}
      {loadError && (
        <p class="error" role="alert" data-testid="devices-error">
          {loadError}
        </p>
      )}
      {devices !== null && (
        <ul class="devices" aria-label="This account’s devices">
          {devices.map((id) => (
            <li key={id} data-testid={`device-${id}`}>
              <span>
                Device {id}
                {id === m.deviceId && <strong> (this device)</strong>}
              </span>
              {id !== m.deviceId && (
                <button
                  type="button"
                  ref={(b) => {
                    if (b) openers.current.set(id, b);
                    else openers.current.delete(id);
                  }}
                  aria-expanded={confirming === id}
                  aria-controls={confirming === id ? `remove-device-${id}` : undefined}
                  disabled={busy}
                  onClick={() => (confirming === id ? cancel() : (setError(''), setConfirming(id)))}
                >
                  Remove device {id}…
                </button>
              )}
              {confirming === id && (
                <div id={`remove-device-${id}`} class="card" role="group" aria-label={`Remove device ${id}`}>
                  <p>
                    Removing device {id} cuts it off from this account for good: the relay deletes its keys
                    and the messages waiting for it and closes its connection. To use it again it must be
                    linked anew.
                  </p>
                  <p class="muted">
                    A stolen device that was unlocked holds your account’s keys and could link itself again,
                    so removing it is not enough after such a loss: create a new account and tell your
                    contacts.
                  </p>
                  {error && (
                    <p class="error" role="alert" data-testid="remove-device-error">
                      {error}
                    </p>
                  )}
                  <div class="row">
                    <button
                      type="button"
                      class="danger"
                      ref={removeButton}
                      disabled={busy}
                      onClick={() => void remove(id)}
                    >
                      {busy ? 'Removing…' : `Remove device ${id} permanently`}
                    </button>
                    <button type="button" ref={cancelButton} disabled={busy} onClick={cancel}>
                      Cancel
                    </button>
                  </div>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      <p role="status" tabIndex={-1} ref={statusLine} data-testid="devices-status">
        {status}
      </p>
      <div class="row">
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            setStatus('');
            setLoads((n) => n + 1);
          }}
        >
          Refresh the device list
        </button>
      </div>
    </section>
  );
}
