// Failures that mean "the database cannot serve this now", not "the relay has a bug": the client
// gets 503 Unavailable (retry later, docs/errors.md) instead of 500 Internal, and the operator a log
// line with the driver's error code (a code such as SQLITE_READONLY or 57P01, never a message that
// could quote a row).

/** SQLite result codes (better-sqlite3 SqliteError.code; extended codes start with these). */
const SQLITE_UNAVAILABLE = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_READONLY',
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
];

/** Socket errors from the PostgreSQL or Redis client. */
const NET_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * PostgreSQL SQLSTATE classes and codes: 08 connection exception, 53 insufficient resources,
 * 57P01–57P03 shutting down / cannot connect now, 25006 read-only transaction.
 */
const PG_UNAVAILABLE = /^(08|53)[0-9A-Z]{3}$|^57P0[123]$|^25006$/;

/** The code to log when `err` means the store is unavailable, else undefined. */
export function storeUnavailableCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  if (SQLITE_UNAVAILABLE.some((c) => code === c || code.startsWith(c + '_'))) return code;
  if (NET_UNAVAILABLE.has(code) || PG_UNAVAILABLE.test(code)) return code;
  return undefined;
}
