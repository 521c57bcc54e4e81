/**
 * Links are TEXT. This module finds URLs in a message so a UI can show them with the real domain
 * highlighted and warnings attached — it never fetches, resolves, prefetches or previews anything
 * (there is no network API in this file or anything it imports; a test scans for them).
 *
 * Warnings (issue 4 "links are text"):
 * - 'userinfo': `https://bank.com@evil.example/…` — everything before '@' is a user name; the
 *   real host is `evil.example`.
 * - 'punycode': a label in `xn--` form (an IDN spelled out), often a homograph.
 * - 'non-ascii': the host as written contains non-ASCII characters (IDN).
 * - 'mixed-script': a label mixes Latin with Cyrillic/Greek/Armenian lookalikes (`pаypal.com`).
 * - 'ip-address': the host is a bare IP address.
 * - 'not-http': a scheme other than http/https.
 * - 'known-bad': the registrable domain (or a parent) is on the bundled or the user's blocklist.
 *
 * Registrable domain: the last two labels, or three under a small bundled list of common
 * multi-label public suffixes (co.uk, com.au…). This is NOT the full Public Suffix List: it is an
 * offline approximation for highlighting, documented as such.
 */
import { BUNDLED_BAD_DOMAINS } from './known-bad-domains.js';

export type LinkWarning =
  'userinfo' | 'punycode' | 'non-ascii' | 'mixed-script' | 'ip-address' | 'not-http' | 'known-bad';

export interface TextSegment {
  kind: 'text';
  text: string;
}

export interface LinkSegment {
  kind: 'link';
  /** Exactly as written in the message. */
  text: string;
  scheme: string;
  /** The real host as written (may be Unicode), lower-cased. */
  host: string;
  /** The host in ASCII (punycode) form, as a browser would connect to it. */
  asciiHost: string;
  /** The part of the host to highlight (what the link really points at). */
  registrableDomain: string;
  /** The misleading user-info part (`bank.com` in `https://bank.com@evil.example`), when present. */
  userinfo?: string;
  warnings: LinkWarning[];
}

export type Segment = TextSegment | LinkSegment;

export interface LinkOptions {
  /** User-supplied extra known-bad domains (each also matches its subdomains). */
  blocklist?: readonly string[];
  /** Replace the bundled list instead of extending it (tests). */
  bundled?: readonly string[];
}

/** Common multi-label public suffixes (subset of the PSL; see module note). */
const MULTI_LABEL_SUFFIXES = new Set([
  'co.uk',
  'org.uk',
  'ac.uk',
  'gov.uk',
  'me.uk',
  'ltd.uk',
  'plc.uk',
  'com.au',
  'net.au',
  'org.au',
  'edu.au',
  'gov.au',
  'co.nz',
  'org.nz',
  'co.jp',
  'ne.jp',
  'or.jp',
  'ac.jp',
  'co.kr',
  'or.kr',
  'com.br',
  'com.cn',
  'net.cn',
  'org.cn',
  'com.mx',
  'com.tr',
  'co.in',
  'co.za',
  'com.sg',
  'com.hk',
  'com.tw',
  'github.io',
  'appspot.com',
  'blogspot.com',
  'herokuapp.com',
  'netlify.app',
  'vercel.app',
  'pages.dev',
  'workers.dev',
]);

// A URL starts with a scheme (`https://`, `http://`, `ftp://`…) or `www.` and runs to whitespace or
// a character that cannot appear unescaped in a URL in running text.
const URL_RE =
  /\b(?:[a-z][a-z0-9+.-]{1,15}:\/\/|www\.)[^\s<>"'`{}|\\^\u00a0\u2000-\u200b\u2028\u2029\u3000]+/giu;
const TRAILING_PUNCT = /[.,;:!?)\]}'"»”’]+$/u;

function trimTrailing(candidate: string): string {
  let s = candidate;
  for (;;) {
    const m = TRAILING_PUNCT.exec(s);
    if (m === null) return s;
    // Keep a closing paren that balances one inside the URL (Wikipedia-style links).
    let cut = m[0];
    while (cut.length > 0) {
      const c = cut[0] as string;
      const kept = s.slice(0, s.length - cut.length);
      if (c === ')' && count(kept, '(') > count(kept, ')')) {
        cut = cut.slice(1);
        continue;
      }
      break;
    }
    if (cut.length === 0) return s;
    s = s.slice(0, s.length - cut.length);
    if (!TRAILING_PUNCT.test(s)) return s;
  }
}

function count(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const LATIN = /\p{Script=Latin}/u;
const LOOKALIKE = /[\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Armenian}]/u;

/** The last two labels, or three under a known multi-label suffix. */
export function registrableDomain(host: string): string {
  const h = host.replace(/\.$/, '');
  if (IPV4.test(h) || h.startsWith('[')) return h;
  const labels = h.split('.');
  if (labels.length <= 2) return h;
  const lastTwo = labels.slice(-2).join('.');
  if (MULTI_LABEL_SUFFIXES.has(lastTwo)) return labels.slice(-3).join('.');
  return lastTwo;
}

function toAsciiHost(host: string): string {
  try {
    // WHATWG URL host parsing = UTS #46 (IDNA) → punycode. Pure string work, no lookup.
    return new URL(`http://${host}/`).hostname;
  } catch {
    return host;
  }
}

function matchesList(asciiHost: string, list: readonly string[]): boolean {
  const h = asciiHost.replace(/\.$/, '');
  return list.some((raw) => {
    const d = toAsciiHost(raw.trim().toLowerCase()).replace(/\.$/, '');
    return d !== '' && (h === d || h.endsWith(`.${d}`));
  });
}

function analyse(text: string, options: LinkOptions): LinkSegment | undefined {
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  const scheme = hasScheme ? text.slice(0, text.indexOf(':')).toLowerCase() : 'http';
  const afterScheme = hasScheme ? text.slice(text.indexOf('://') + 3) : text;
  const authorityEnd = afterScheme.search(/[/?#]/);
  const authority = authorityEnd < 0 ? afterScheme : afterScheme.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : undefined;
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  const host = (
    hostPort.startsWith('[') ? hostPort.slice(0, hostPort.indexOf(']') + 1) : hostPort.replace(/:\d*$/, '')
  ).toLowerCase();
  if (host === '' || host === '.') return undefined;
  const asciiHost = toAsciiHost(host);
  const warnings: LinkWarning[] = [];
  if (userinfo !== undefined) warnings.push('userinfo');
  if (asciiHost.split('.').some((l) => l.startsWith('xn--'))) warnings.push('punycode');
  if (/[^\x00-\x7f]/.test(host)) warnings.push('non-ascii');
  if (host.split('.').some((l) => LATIN.test(l) && LOOKALIKE.test(l))) warnings.push('mixed-script');
  if (IPV4.test(asciiHost) || asciiHost.startsWith('[')) warnings.push('ip-address');
  if (scheme !== 'http' && scheme !== 'https') warnings.push('not-http');
  const bad = [...(options.bundled ?? BUNDLED_BAD_DOMAINS), ...(options.blocklist ?? [])];
  if (matchesList(asciiHost, bad)) warnings.push('known-bad');
  return {
    kind: 'link',
    text,
    scheme,
    host,
    asciiHost,
    registrableDomain: registrableDomain(host),
    ...(userinfo !== undefined ? { userinfo } : {}),
    warnings,
  };
}

/**
 * Splits message text into plain-text and link segments (concatenating every segment's `text`
 * gives back the input exactly). Nothing is fetched.
 */
export function segmentText(text: string, options: LinkOptions = {}): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  const pushText = (s: string): void => {
    if (s === '') return;
    const prev = out[out.length - 1];
    if (prev?.kind === 'text') prev.text += s;
    else out.push({ kind: 'text', text: s });
  };
  for (const m of text.matchAll(URL_RE)) {
    const start = m.index;
    const candidate = trimTrailing(m[0]);
    const link = analyse(candidate, options);
    if (link === undefined) continue;
    pushText(text.slice(last, start));
    out.push(link);
    last = start + candidate.length;
  }
  pushText(text.slice(last));
  return out;
}

/** Just the links, for a "this message contains links" summary. */
export function extractLinks(text: string, options: LinkOptions = {}): LinkSegment[] {
  return segmentText(text, options).filter((s): s is LinkSegment => s.kind === 'link');
}
