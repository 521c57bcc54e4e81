// Settings → Link a new device: the answer to a new device's request (shown by another browser's
// "Link to an account you already have" or by `sotto init --link`). The code made here is this
// account's link, keys included, sealed so that only the device that showed the request can open it
// (Messenger.sealDeviceLinkFor), so it may be copied through a clipboard or a chat; the request is
// what must not be swapped. Hence two steps: the request's fingerprint and what the code gives come
// first, the code only after the user confirms. Nothing is fetched: the code is made in this page.
import { useEffect, useRef, useState } from 'preact/hooks';
import { LINK_REQUEST_BYTES, MessengerError, type Messenger } from '@sotto/client';
import { errorText } from './error-text.js';
import { codeText, parseCode, requestFingerprint } from './link-code.js';

interface Checked {
  fingerprint: string;
  code: string;
}

export function LinkDevice({ m }: { m: Messenger }) {
  const [request, setRequest] = useState('');
  const [error, setError] = useState('');
  const [checked, setChecked] = useState<Checked | null>(null);
  const [shown, setShown] = useState(false);
  const warning = useRef<HTMLDivElement>(null);
  const codeField = useRef<HTMLTextAreaElement>(null);

  // Each step moves focus to what it revealed: the fingerprint and warning, then the code.
  useEffect(() => {
    if (checked !== null) (shown ? codeField.current : warning.current)?.focus();
  }, [checked, shown]);

  const check = (ev: Event) => {
    ev.preventDefault();
    setChecked(null);
    setShown(false);
    const parsed = parseCode(request, 'link request', LINK_REQUEST_BYTES, LINK_REQUEST_BYTES);
    if (!parsed.ok) return setError(parsed.error);
    let code: string;
    try {
      // Sealed now so that a request the client refuses (wrong version, unusable key) is reported at
      // once, next to the field; it is shown only after the confirmation below.
      code = codeText(m.sealDeviceLinkFor(parsed.bytes));
    } catch (e) {
      return setError(
        MessengerError.is(e) && e.code === 'InvalidArgument'
          ? 'Invalid link request: it is not one a Sotto device shows (paste it whole).'
          : errorText(e),
      );
    }
    setError('');
    setChecked({ fingerprint: requestFingerprint(parsed.bytes), code });
  };

  return (
    <form class="card" data-testid="link-device" onSubmit={check}>
      <h3>Link a new device</h3>
      <p class="muted">
        On the new device choose “Link to an account you already have” (in a browser) or run{' '}
        <code>sotto init --link</code>, then paste here the request it shows.
      </p>
      <label>
        Request shown by the new device
        <textarea
          name="link-request"
          rows={2}
          autocomplete="off"
          spellcheck={false}
          value={request}
          onInput={(e) => {
            setRequest(e.currentTarget.value);
            // A code belongs to one request: editing it hides what was made for the previous one.
            setChecked(null);
            setShown(false);
          }}
        />
      </label>
      {error && (
        <p class="error" role="alert" data-testid="link-device-error">
          {error}
        </p>
      )}
      <div class="row">
        <button type="submit">Check the request</button>
      </div>
      {checked !== null && (
        <div class="warning" tabIndex={-1} ref={warning} data-testid="link-device-warning">
          <p>
            Request fingerprint:{' '}
            <strong class="mono" data-testid="link-request-fingerprint">
              {checked.fingerprint}
            </strong>
            . The new device shows the same digits.
          </p>
          <p>
            The link code gives the device showing this request <strong>full use of this account</strong>: it
            can read what is sent to you from now on and send as you. Only continue if you started the linking
            yourself, on a device you own, and the fingerprints match.
          </p>
          {!shown && (
            <div class="row">
              <button type="button" class="danger" onClick={() => setShown(true)}>
                I started it: show the link code
              </button>
            </div>
          )}
        </div>
      )}
      {checked !== null && shown && (
        <>
          <label>
            Link code for the new device
            <textarea
              class="address mono"
              readOnly
              rows={5}
              name="link-code"
              ref={codeField}
              value={checked.code}
            />
          </label>
          <p class="muted">
            Paste it into the new device (only the device that showed request {checked.fingerprint} can open
            it). Then compare the identity fingerprint it shows with the one above under Account.
          </p>
        </>
      )}
    </form>
  );
}
