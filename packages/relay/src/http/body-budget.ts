// Request bodies are buffered whole before they are parsed or stored, so the bodies being received
// at once must be bounded together, not only one by one: otherwise many slow requests, each within
// its own limit, could make the relay buffer until it runs out of memory for everyone. Registration
// needs no credentials, so this matters even for the small JSON bodies.
import type { IncomingMessage } from 'node:http';
import { RelayHttpError } from './relay-http-error.js';

/** JSON bodies being received at once, in units of maxBodyBytes (1 MiB by default: 64 MiB in all). */
export const JSON_BODY_BUDGET_FACTOR = 64;

/** Attachment bodies being received at once, in units of attachmentMaxBytes. */
export const UPLOAD_BUDGET_FACTOR = 4;

export class BodyBudget {
  private reserved = 0;

  /**
   * @param maxBytes the largest body one request may send
   * @param totalBytes the most bytes all requests under this budget may be receiving at once
   */
  constructor(
    readonly maxBytes: number,
    readonly totalBytes: number,
  ) {}

  /**
   * Reserves what the request's body may grow to (its declared length, or `maxBytes` when it is
   * chunked), runs `receive`, and releases the reservation when it settles. Throws 429
   * `RateLimited` at once when the reservation does not fit.
   */
  async with<T>(req: IncomingMessage, receive: () => Promise<T>): Promise<T> {
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    const claim =
      Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, this.maxBytes) : this.maxBytes;
    if (this.reserved + claim > this.totalBytes)
      throw new RelayHttpError('RateLimited', 'too many request bodies in progress');
    this.reserved += claim;
    try {
      return await receive();
    } finally {
      this.reserved -= claim;
    }
  }
}
