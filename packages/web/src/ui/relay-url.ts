/**
 * Which relay URL the web client accepts. In a browser the relay IS the origin that served the app:
 * - the relay's CSP allows `connect-src` to that origin only (anything else is blocked, by design:
 *   an open connect-src would give injected code a way to send keys out), and
 * - IndexedDB is per origin, so the account cannot follow the app to another address anyway.
 * So setup accepts exactly the page's origin (typed with or without a trailing slash) and says why
 * for anything else, instead of failing later with "relay unreachable"; Settings shows it read-only.
 */
export type RelayUrlCheck = { ok: true; url: string } | { ok: false; error: string };

export const OTHER_RELAY_TEXT =
  'This web client can only use the relay that served it (its security policy blocks other origins, ' +
  'and your account is stored per web address). To use another relay, open that relay’s own web ' +
  'address, or use the sotto command-line client.';

export function checkRelayUrl(input: string, pageOrigin: string): RelayUrlCheck {
  let u: URL;
  try {
    u = new URL(input.trim());
  } catch {
    return { ok: false, error: 'The relay URL is not a valid URL (for example https://relay.example).' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return { ok: false, error: 'The relay URL must start with http:// or https://.' };
  if (u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '' || u.pathname !== '/')
    return { ok: false, error: 'The relay URL is only a scheme, host and port (no path, query or login).' };
  if (u.origin !== pageOrigin) return { ok: false, error: OTHER_RELAY_TEXT };
  return { ok: true, url: u.origin };
}
