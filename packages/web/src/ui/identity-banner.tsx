/**
 * The loud, BLOCKING banner for a changed identity key: it covers the app until the user accepts the
 * new safety number or cancels. Cancelling keeps the contact blocked (sending refuses with
 * IdentityChanged and new messages stay held) — it only hides the banner for this session.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ContactView, Messenger } from '@sotto/client';
import { errorText } from './error-text.js';

interface Props {
  m: Messenger;
  contact: ContactView;
  onDone: (accepted: boolean) => void;
}

export function IdentityBanner({ m, contact, onDone }: Props) {
  const [error, setError] = useState('');
  const wasVerified = contact.trust === 'verified-changed';
  const cancelButton = useRef<HTMLButtonElement>(null);
  // Keyboard focus moves into the banner (onto the safe choice); the app behind it is inert.
  useEffect(() => cancelButton.current?.focus(), []);
  const accept = async () => {
    try {
      await m.acceptIdentity(contact.name);
      onDone(true);
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <div class="overlay" role="alertdialog" aria-modal="true" data-testid="identity-banner">
      <div class={`banner ${wasVerified ? 'banner-verified' : ''}`}>
        <h2>⚠ {contact.name}'s safety number changed</h2>
        <p>
          {wasVerified
            ? `You had VERIFIED ${contact.name}. Their identity key is now different. `
            : `${contact.name}'s identity key is different from the one you had. `}
          This happens when they reinstall or change devices — or when someone is impersonating them. Messages
          to and from {contact.name} are held until you decide.
        </p>
        <p>
          Compare the new safety number with {contact.name} in person or on another channel before trusting
          it.
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="row">
          <button type="button" class="danger" data-testid="identity-accept" onClick={() => void accept()}>
            Accept the new safety number
          </button>
          <button
            type="button"
            ref={cancelButton}
            data-testid="identity-cancel"
            onClick={() => onDone(false)}
          >
            Cancel (keep blocked)
          </button>
        </div>
      </div>
    </div>
  );
}
