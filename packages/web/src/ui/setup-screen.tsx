// Create account: optional username, passphrase twice, relay URL (the serving origin; see relay-url.ts).
// A taken username does not undo the account (Messenger.create registers first, as the CLI's init):
// the form then offers another username for the account already in this browser. "Link to an account
// you already have" switches to link-setup.tsx instead.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Messenger } from '@sotto/client';
import { USERNAME_RE } from '@sotto/wire';
import { createMessenger, discardUnfinishedAccount, openMessenger } from '../platform/messenger-factory.js';
import { forgetSession } from '../platform/session-keys.js';
import { releaseTabLock } from '../platform/tab-lock.js';
import { codeText, errorCode, errorText } from './error-text.js';
import { LinkSetup } from './link-setup.js';
import { PassphraseFields } from './passphrase-fields.js';
import { passphraseError } from './passphrase-rule.js';
import { checkRelayUrl } from './relay-url.js';

interface Props {
  onOpen: (m: Messenger) => void;
  /** Why setup is shown again (an unfinished account was found and removed). */
  notice?: string | undefined;
  /** What just happened (the account was deleted), not an error. */
  info?: string | undefined;
}

export function SetupScreen({ onOpen, notice, info }: Props) {
  const [username, setUsername] = useState('');
  const [pass, setPass] = useState('');
  const [pass2, setPass2] = useState('');
  const [relay, setRelay] = useState(location.origin);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  // The account exists but its username could not be claimed: only a username is asked for now.
  const [created, setCreated] = useState(false);
  const [linking, setLinking] = useState(false);
  const infoLine = useRef<HTMLParagraphElement>(null);
  const linkButton = useRef<HTMLButtonElement>(null);
  const wasLinking = useRef(false);
  // Coming here from Settings (the account was deleted): focus lands on what happened, not on <body>.
  useEffect(() => infoLine.current?.focus(), []);
  // Back from linking: focus returns to the button that started it (LinkSetup focuses its own heading).
  useEffect(() => {
    if (!linking && wasLinking.current) linkButton.current?.focus();
    wasLinking.current = linking;
  }, [linking]);

  /** Opens the account created before and claims `name` (none: continue without a username). */
  const claim = async (name: string): Promise<Messenger> => {
    const m = await openMessenger(pass);
    if (name === '') return m;
    try {
      await m.setUsername(name);
      return m;
    } catch (e) {
      await m.close().catch(() => undefined);
      forgetSession();
      releaseTabLock();
      throw e;
    }
  };

  const submit = async (ev: Event) => {
    ev.preventDefault();
    const name = username.trim().replace(/^@/, '');
    // Checked before anything is created, so a malformed name never leaves a half-set-up account.
    if (name !== '' && !USERNAME_RE.test(name)) return setError(codeText('InvalidUsername'));
    if (created) {
      setBusy(true);
      setError('');
      try {
        onOpen(await claim(name));
      } catch (e) {
        setError(errorText(e));
        setBusy(false);
      }
      return;
    }
    const weak = passphraseError(pass, pass2);
    if (weak !== undefined) return setError(weak);
    const relayUrl = checkRelayUrl(relay, location.origin);
    if (!relayUrl.ok) return setError(relayUrl.error);
    setBusy(true);
    setError('');
    try {
      onOpen(await createMessenger(pass, relayUrl.url, name || undefined));
    } catch (e) {
      const code = errorCode(e);
      if (code === 'UsernameTaken' || code === 'InvalidUsername') {
        setCreated(true);
        setError(`${errorText(e)} Your account was created: choose another username, or leave it empty.`);
      } else if (await discardUnfinishedAccount(pass).catch(() => true)) {
        // The account was stored before the failure (e.g. while uploading keys): open it from here.
        setCreated(true);
        setError(`${errorText(e)} Your account was created: continue to open it.`);
      } else setError(errorText(e)); // nothing kept: "Create account" can simply be tried again
      setBusy(false);
    }
  };

  if (linking) return <LinkSetup onOpen={onOpen} onBack={() => setLinking(false)} />;

  return (
    <>
      <form class="card" data-testid="setup-screen" onSubmit={(e) => void submit(e)}>
        <h1>Create your Sotto account</h1>
        <p class="muted">
          Your keys and messages stay in this browser, encrypted under your passphrase. There is no recovery:
          if you forget it, the account is gone.
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
        {!created && (
          <>
            <PassphraseFields pass={pass} pass2={pass2} onPass={setPass} onPass2={setPass2} />
            <label>
              Relay URL
              <input name="relay" value={relay} onInput={(e) => setRelay(e.currentTarget.value)} />
            </label>
          </>
        )}
        {info !== undefined && error === '' && (
          <p role="status" tabIndex={-1} ref={infoLine} data-testid="setup-info">
            {info}
          </p>
        )}
        {notice !== undefined && error === '' && (
          <p class="error" role="alert" data-testid="setup-notice">
            {notice}
          </p>
        )}
        {error && (
          <p class="error" role="alert" data-testid="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {created ? (busy ? 'Saving…' : 'Continue') : busy ? 'Creating… (deriving keys)' : 'Create account'}
        </button>
      </form>
      {!created && (
        <section class="card" data-testid="setup-link-offer">
          <p class="muted">
            Already using Sotto on another device (a browser or the sotto command-line client)? Link this
            browser to that account instead of creating a new one.
          </p>
          <div class="row">
            <button type="button" ref={linkButton} disabled={busy} onClick={() => setLinking(true)}>
              Link to an account you already have
            </button>
          </div>
        </section>
      )}
    </>
  );
}
