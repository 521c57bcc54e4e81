/**
 * A small bundled seed of known-bad domains for the OFFLINE link warning (no network lookups, ever).
 * It is deliberately tiny: well-known test/demo domains used by safe-browsing test pages, so the
 * warning path is exercisable, plus room for a curated list shipped with releases. Users add their
 * own with `checkLinks(text, { blocklist })`. Matching covers the domain and all its subdomains.
 */
export const BUNDLED_BAD_DOMAINS: readonly string[] = [
  'testsafebrowsing.appspot.com',
  'malware.testing.google.test',
  'phishing.testing.google.test',
  'ianfette.org',
  'wicar.org',
  'amtso.org',
];
