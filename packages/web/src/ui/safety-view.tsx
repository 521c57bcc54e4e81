// The safety number: 60 digits in 12 groups and a QR of the scannable form; mark verified, or verify
// from the other side's pasted scan data. For a CHANGED identity (banner cancelled) it shows the new
// key's number and the way to accept it, and nothing that could verify it before acceptance.
import { useEffect, useState } from 'preact/hooks';
import type { Messenger, SafetyNumberView } from '@sotto/client';
import { errorText } from './error-text.js';
import type { View } from './main-screen.js';
import { QrImage } from './qr-image.js';

interface Props {
  m: Messenger;
  contact: string;
  version: number;
  nav: (v: View) => void;
}

export function SafetyView({ m, contact, version, nav }: Props) {
  const [sn, setSn] = useState<SafetyNumberView | undefined>(undefined);
  const [scan, setScan] = useState('');
  const [error, setError] = useState('');
  const [changes, setChanges] = useState(0);

  useEffect(() => {
    void m.safetyNumber(contact).then(setSn, (e: unknown) => setError(errorText(e)));
  }, [m, contact, version, changes]);

  // A changed identity is accepted here (or on the banner); verifying is only for an accepted key.
  const changed = sn?.trust === 'changed' || sn?.trust === 'verified-changed';

  const act = async (f: () => Promise<unknown>) => {
    setError('');
    try {
      await f();
      setChanges((n) => n + 1);
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <section data-testid="safety-view">
      <div class="conv-head">
        <button type="button" onClick={() => nav({ kind: 'conversation', contact })}>
          ← {contact}
        </button>
        <h2>Safety number with {contact}</h2>
      </div>
      {sn && (
        <>
          <p class="muted">
            Compare these digits with {contact}'s screen, in person or on a call. If they match, mark
            verified.
          </p>
          <p class="digits" data-testid="safety-digits" data-digits={sn.digits}>
            {sn.grouped}
          </p>
          <QrImage text={sn.scannableText} label="safety number QR code" />
          <p data-testid="trust" data-trust={sn.trust}>
            Status: <strong>{sn.trust === 'verified' ? 'verified ✔' : sn.trust}</strong>
          </p>
          {changed && (
            <div class="banner" data-testid="identity-pending">
              <p>
                {contact}'s identity key CHANGED. These digits are for the new key. Messages to and from{' '}
                {contact} are held until you accept it; compare the digits with {contact} first.
              </p>
              <button
                type="button"
                class="danger"
                data-testid="safety-accept"
                onClick={() => void act(() => m.acceptIdentity(contact))}
              >
                Accept the new safety number
              </button>
            </div>
          )}
          {!changed && sn.trust !== 'verified' && (
            <button
              type="button"
              data-testid="mark-verified"
              onClick={() => void act(() => m.markVerified(contact))}
            >
              Mark as verified
            </button>
          )}
          {!changed && (
            <form
              class="card"
              onSubmit={(e) => {
                e.preventDefault();
                void act(() => m.verifyScanned(contact, scan.trim()));
              }}
            >
              <label>
                Or paste {contact}'s scanned safety-number data
                <input name="scan" value={scan} onInput={(e) => setScan(e.currentTarget.value)} />
              </label>
              <button type="submit">Verify scanned data</button>
            </form>
          )}
        </>
      )}
      {error && (
        <p class="error" role="alert" data-testid="error">
          {error}
        </p>
      )}
    </section>
  );
}
