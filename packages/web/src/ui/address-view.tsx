// My address as text and as a QR code (the same sotto: URI; a contact added from it is verified).
import type { Messenger } from '@sotto/client';
import { QrImage } from './qr-image.js';

export function AddressView({ m }: { m: Messenger }) {
  return (
    <section data-testid="address-view">
      <h2>My address</h2>
      {m.username !== null && (
        <p>
          Username: <strong data-testid="my-username">@{m.username}</strong>
        </p>
      )}
      <p class="muted">
        Share this text or let a contact scan the code. Adding you from it verifies your key at once.
      </p>
      <textarea class="address" readOnly rows={4} data-testid="my-address" value={m.address} />
      <QrImage text={m.address} label="my address QR code" />
    </section>
  );
}
