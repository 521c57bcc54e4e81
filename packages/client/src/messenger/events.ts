/**
 * The messenger's event API for UIs (CLI chat, browser). Payloads carry what a screen shows;
 * errors carry a stable code and never plaintext or keys.
 */
import type { ContactTrust } from './contact-record.js';
import type { DeliveryState, HistoryEntry } from './history-record.js';
import type { MessengerErrorCode } from './errors.js';

export type ConnectionState = 'offline' | 'connecting' | 'online' | 'reconnecting' | 'closed';

export interface MessengerEvents {
  /** A new incoming text (already persisted and acknowledged), or a sync copy of our own. */
  message: { contact: string; entry: HistoryEntry };
  /** An outgoing message moved on: sending → sent → delivered (or failed). */
  delivery: { contact: string; id: string; state: DeliveryState };
  /** A contact's identity key changed (or a verified contact's: trust 'verified-changed'). */
  identityChanged: { contact: string; trust: ContactTrust };
  /** A contact appeared because someone we did not know wrote to us. */
  contactAdded: { contact: string };
  connection: { state: ConnectionState };
  /** The relay's backlog has been drained after a (re)connect. */
  queueEmpty: Record<string, never>;
  /**
   * Something failed. `code` is stable; `contact` is set when known. Rejected envelopes (tampered,
   * forged, bad MAC…) are reported here with code 'DecryptFailed' and `reason` (a protocol code).
   */
  error: { code: MessengerErrorCode; message: string; contact?: string; reason?: string };
}
