// Setup → "Link to an account you already have": this browser becomes a new device of an account the
// user has on another device (a browser's Settings → Link a new device, or `sotto devices link`). It
// shows a one-use request (createLinkRequest); the other device answers with the account's link sealed
// to it, which only this page can open: the request's private key stays in this component's memory
// and is zeroised once the link is made or the screen is left. A code that does not open, or is
// malformed, is refused before anything is written, so a failed attempt leaves no account behind.
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  MessengerError,
  createLinkRequest,
  decodeDeviceLink,
  openDeviceLink,
  type LinkRequest,
  type Messenger,
} from '@sotto/client';
import { discardUnfinishedAccount, linkMessenger, openMessenger } from '../platform/messenger-factory.js';
import { errorText } from './error-text.js';
import { codeText, identityFingerprint, parseCode, requestFingerprint } from './link-code.js';
import { QrImage } from './qr-image.js';
import { OTHER_RELAY_TEXT } from './relay-url.js';
import { PassphraseFields } from './passphrase-fields.js';
import { passphraseError } from './passphrase-rule.js';

/** Far above a real sealed link (about 330 bytes), as in the CLI. */
const MAX_CODE_BYTES = 4096;

export const WRONG_CODE_TEXT =
  'Invalid link code: it was not made for the request shown above (paste that request on your other device) or it was altered.';

interface Props {
  onOpen: (m: Messenger) => void;
  /** Back to creating a new account. */
  onBack: () => void;
}

export function LinkSetup({ onOpen, onBack }: Props) {
  // The request, made once per visit of this screen; its private key never leaves this ref.
  const request = useRef<LinkRequest | null>(null);
  const [requestText, setRequestText] = useState('');
  const [fingerprint, setFingerprint] = useState('');
  const [code, setCode] = useState('');
  const [pass, setPass] = useState('');
  const [pass2, setPass2] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [linked, setLinked] = useState<{ m: Messenger; identity: string } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const linkedHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    const r = createLinkRequest();
    request.current = r;
    setRequestText(codeText(r.request));
    setFingerprint(requestFingerprint(r.request));
    heading.current?.focus();
    return () => {
      r.privateKey.fill(0);
      request.current = null;
    };
  }, []);
  useEffect(() => {
    if (linked !== null) linkedHeading.current?.focus();
  }, [linked]);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    const r = request.current;
    if (busy || r === null) return;
    const weak = passphraseError(pass, pass2);
    if (weak !== undefined) return setError(weak);
    const sealed = parseCode(code, 'link code', 1, MAX_CODE_BYTES);
    if (!sealed.ok) return setError(sealed.error);
    let link: Uint8Array;
    try {
      link = openDeviceLink(sealed.bytes, r);
    } catch (e) {
      // The request's key is kept: the right code can still be pasted.
      return setError(MessengerError.is(e) ? WRONG_CODE_TEXT : errorText(e));
    }
    setBusy(true);
    setError('');
    try {
      const other = otherRelay(link);
      if (other !== undefined) return setError(`Your account is on the relay ${other}. ${OTHER_RELAY_TEXT}`);
      let m: Messenger;
      try {
        m = await linkMessenger(pass, link);
      } catch (e) {
        // The store is written before the relay is asked: remove it again unless it holds the account.
        if (!(await discardUnfinishedAccount(pass).catch(() => false))) return setError(errorText(e));
        m = await openMessenger(pass);
      }
      r.privateKey.fill(0);
      request.current = null;
      setLinked({ m, identity: identityFingerprint(m.identityKey) });
    } catch (e) {
      setError(errorText(e));
    } finally {
      link.fill(0);
      setBusy(false);
    }
  };

  if (linked !== null) {
    const { m, identity } = linked;
    return (
      <section class="card" data-testid="setup-linked">
        <h1 tabIndex={-1} ref={linkedHeading}>
          This browser is linked
        </h1>
        <p data-testid="linked-device">
          It is device {m.deviceId} of account {m.accountId}
          {m.username !== null ? ` (@${m.username})` : ''}.
        </p>
        <p>
          Identity fingerprint:{' '}
          <strong class="mono" data-testid="linked-identity-fingerprint">
            {identity}
          </strong>
        </p>
        <p>
          Compare it with your other device: Settings there shows it under Account (on the command line,{' '}
          <code>sotto whoami</code>). If they differ, this browser was linked to someone else’s account: do
          not use it.
        </p>
        <p class="muted">
          Messages sent to your account reach this browser from now on. Your contacts follow from your other
          devices when they next connect; your history stays on them.
        </p>
        <div class="row">
          <button type="button" onClick={() => onOpen(m)}>
            Continue
          </button>
        </div>
      </section>
    );
  }

  return (
    <form class="card" data-testid="setup-link" onSubmit={(e) => void submit(e)}>
      <h1 tabIndex={-1} ref={heading}>
        Link to an account you already have
      </h1>
      <ol>
        <li>
          On a device that has your account, open Sotto → Settings → Link a new device and paste this request
          there (on the command line: <code>sotto devices link REQUEST</code>).
        </li>
        <li>
          Check that it shows the request fingerprint{' '}
          <strong class="mono" data-testid="request-fingerprint">
            {fingerprint}
          </strong>
          .
        </li>
        <li>Paste below the link code it gives you, and choose a passphrase for this browser.</li>
      </ol>
      <label>
        Link request for your other device
        <textarea class="address mono" readOnly rows={2} name="link-request" value={requestText} />
      </label>
      {requestText !== '' && <QrImage text={requestText} label="link request QR code" />}
      <p class="muted">
        Carry the request to your other device yourself: whoever could swap it on the way would receive your
        account’s keys. The link code that comes back can only be opened by this page, until you leave it.
      </p>
      <label>
        Link code from your other device
        <textarea
          name="link-code"
          rows={4}
          autocomplete="off"
          spellcheck={false}
          disabled={busy}
          value={code}
          onInput={(e) => {
            setCode(e.currentTarget.value);
            setError(''); // the error was about the code that was there before
          }}
        />
      </label>
      <p class="muted">
        The passphrase encrypts what Sotto keeps in this browser; it need not be the one your other devices
        use.
      </p>
      <PassphraseFields pass={pass} pass2={pass2} onPass={setPass} onPass2={setPass2} disabled={busy} />
      {error && (
        <p class="error" role="alert" data-testid="error">
          {error}
        </p>
      )}
      <div class="row">
        <button type="submit" disabled={busy || requestText === ''}>
          {busy ? 'Linking… (deriving keys)' : 'Link this browser'}
        </button>
        <button type="button" disabled={busy} onClick={onBack}>
          Create a new account instead
        </button>
      </div>
    </form>
  );
}

/**
 * The relay named in the link when it is not this page's origin (undefined otherwise). Such a link
 * cannot work here (the CSP allows only this origin, see relay-url.ts): say so before a store is
 * written. A link that does not decode is left to Messenger.link to refuse.
 */
function otherRelay(link: Uint8Array): string | undefined {
  try {
    const url = decodeDeviceLink(link).relayUrl;
    return new URL(url).origin === location.origin ? undefined : url;
  } catch {
    return undefined;
  }
}
