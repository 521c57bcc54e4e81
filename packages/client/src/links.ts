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
 * - 'disguised': the host as written is not where the link goes: percent-encoding, invisible
 *   characters, fullwidth dots or a numeric IP form that a browser's URL parser rewrites
 *   (`https://paypal.com%2eevil.com/` goes to `paypal.com.evil.com`). The highlight is then the
 *   parsed domain, shown apart from the text.
 * - 'invisible': the link contains invisible or direction-changing characters (zero-width space,
 *   soft hyphen, right-to-left override…), which a UI should make visible (`revealInvisible`).
 *
 * Where a link goes is decided by the WHATWG URL parser, as a browser's would (pure string work:
 * nothing is resolved), so what is highlighted is the host a click-through would reach.
 *
 * Registrable domain: the last two labels, or three under a small bundled list of common
 * multi-label public suffixes (co.uk, com.au…). This is NOT the full Public Suffix List: it is an
 * offline approximation for highlighting, documented as such.
 */
import { BUNDLED_BAD_DOMAINS } from './known-bad-domains.js';

export type LinkWarning =
  | 'userinfo'
  | 'punycode'
  | 'non-ascii'
  | 'mixed-script'
  | 'ip-address'
  | 'not-http'
  | 'known-bad'
  | 'disguised'
  | 'invisible';

export interface TextSegment {
  kind: 'text';
  text: string;
}

export interface LinkSegment {
  kind: 'link';
  /** Exactly as written in the message. */
  text: string;
  scheme: string;
  /** The host as written (may be Unicode), lower-cased. */
  host: string;
  /** The host a browser would connect to, as its URL parser gives it (ASCII, punycode). */
  asciiHost: string;
  /** The part of the host to highlight (what the link really points at), lower-cased. */
  registrableDomain: string;
  /**
   * Where `registrableDomain` is written in `text` ([start, end) in UTF-16 units), when the host as
   * written is where the link goes; absent for a 'disguised' host, whose domain a UI shows apart.
   */
  domainAt?: readonly [start: number, end: number];
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

// A URL starts with a scheme (`https://`, `ftp://`…; for http and https any number of slashes, even
// none, as browsers accept) or `www.` and runs to a space or a character that cannot appear unescaped
// in a URL in running text. Invisible characters (zero-width space, U+FEFF…) do NOT end it: a URL
// parser drops them from a host, so `https://paypal.com\u200b.evil.com` goes to paypal.com.evil.com
// and must be read whole.
const URL_RE =
  /\b(?:https?:\/*|[a-z][a-z0-9+.-]{1,15}:\/\/|www\.)[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000<>"'`{}|\\^]+/giu;
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
/** Characters that show as nothing, or change the direction of what follows. */
const INVISIBLE_CHARS =
  '\\p{Cf}\\u00ad\\u034f\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u3164\\ufe00-\\ufe0f\\uffa0';
const INVISIBLE = new RegExp(`[${INVISIBLE_CHARS}]`, 'u');
const INVISIBLE_ALL = new RegExp(`[${INVISIBLE_CHARS}]`, 'gu');
const INVISIBLE_AT_END = new RegExp(`[${INVISIBLE_CHARS}]+$`, 'u');
/** A host written plainly: letters, marks and digits of any script, dots and hyphens; or [IPv6]. */
const PLAIN_HOST = /^(?:\[[0-9a-f:.]+\]|[\p{L}\p{M}\p{N}.-]+)$/iu;
const LATIN = /\p{Script=Latin}/u;
const LOOKALIKE = /[\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Armenian}]/u;

/** How many trailing labels of `host` make its registrable domain (all of them for an IP). */
function domainLabelCount(host: string): number {
  const h = host.replace(/\.$/, '');
  if (IPV4.test(h) || h.startsWith('[')) return Infinity;
  const labels = h.toLowerCase().split('.');
  if (labels.length <= 2) return labels.length;
  return MULTI_LABEL_SUFFIXES.has(labels.slice(-2).join('.')) ? 3 : 2;
}

/** The last two labels, or three under a known multi-label suffix (lower-cased, no trailing dot). */
export function registrableDomain(host: string): string {
  return writtenDomain(host).toLowerCase();
}

/** `registrableDomain` as written in `host` (same characters, same length: positions stay valid). */
function writtenDomain(host: string): string {
  const h = host.replace(/\.$/, '');
  const n = domainLabelCount(h);
  return n === Infinity ? h : h.split('.').slice(-n).join('.');
}

/** The link's URL as a browser's parser reads it, or undefined when no browser could open it. */
function parseUrl(text: string, hasScheme: boolean): URL | undefined {
  try {
    // WHATWG URL parsing (UTS #46 for the host) is pure string work: no lookup, no request.
    return new URL(hasScheme ? text : `http://${text}`);
  } catch {
    return undefined;
  }
}

function toAsciiHost(host: string): string {
  return parseUrl(`http://${host}/`, true)?.hostname ?? host;
}

function matchesList(asciiHost: string, list: readonly string[]): boolean {
  const h = asciiHost.replace(/\.$/, '');
  return list.some((raw) => {
    const d = toAsciiHost(raw.trim().toLowerCase()).replace(/\.$/, '');
    return d !== '' && (h === d || h.endsWith(`.${d}`));
  });
}

/** `text` with each invisible or direction-changing character spelled out (`⟨U+200B⟩`). */
export function revealInvisible(text: string): string {
  return text.replace(
    INVISIBLE_ALL,
    (c) => `⟨U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩`,
  );
}

function analyse(text: string, options: LinkOptions): LinkSegment | undefined {
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/*/i.exec(text);
  const www = /^www\./i.test(text);
  // Trimming punctuation may have cut a candidate down to no scheme (`http:` at a sentence's end).
  if (schemeMatch === null && !www) return undefined;
  const hasScheme = schemeMatch !== null && !www;
  const scheme = hasScheme ? schemeMatch[1]!.toLowerCase() : 'http';
  const authorityStart = hasScheme ? schemeMatch[0].length : 0;
  const afterScheme = text.slice(authorityStart);
  const authorityEnd = afterScheme.search(/[/?#]/);
  const authority = authorityEnd < 0 ? afterScheme : afterScheme.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : undefined;
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  const written = hostPort.startsWith('[')
    ? hostPort.slice(0, hostPort.indexOf(']') + 1)
    : hostPort.replace(/:\d*$/, '');
  const host = written.toLowerCase();
  if (host === '' || host === '.') return undefined;
  // Where the link goes is what the URL parser says, not what the text seems to say.
  const url = parseUrl(text, hasScheme);
  if (url === undefined) return undefined;
  const asciiHost = url.hostname;
  // An empty label (`https://%2e`, `a..b`) names no host anyone could reach: text, not a link.
  if (asciiHost === '' || asciiHost.replace(/\.$/, '').split('.').includes('')) return undefined;
  const plain = PLAIN_HOST.test(written) && !INVISIBLE.test(written);
  const disguised =
    !plain ||
    (/^[\x00-\x7f]*$/.test(host) ? host : toAsciiHost(host)).replace(/\.$/, '') !==
      asciiHost.toLowerCase().replace(/\.$/, '');
  const warnings: LinkWarning[] = [];
  if (userinfo !== undefined) warnings.push('userinfo');
  if (asciiHost.split('.').some((l) => l.startsWith('xn--'))) warnings.push('punycode');
  if (/[^\x00-\x7f]/.test(host)) warnings.push('non-ascii');
  if (host.split('.').some((l) => LATIN.test(l) && LOOKALIKE.test(l))) warnings.push('mixed-script');
  if (IPV4.test(asciiHost) || asciiHost.startsWith('[')) warnings.push('ip-address');
  if (scheme !== 'http' && scheme !== 'https') warnings.push('not-http');
  const bad = [...(options.bundled ?? BUNDLED_BAD_DOMAINS), ...(options.blocklist ?? [])];
  if (matchesList(asciiHost, bad)) warnings.push('known-bad');
  if (disguised) warnings.push('disguised');
  if (INVISIBLE.test(text)) warnings.push('invisible');
  const hostStart = authorityStart + (at >= 0 ? at + 1 : 0);
  const domain = writtenDomain(written);
  const domainStart = hostStart + written.replace(/\.$/, '').length - domain.length;
  return {
    kind: 'link',
    text,
    scheme,
    host,
    asciiHost,
    registrableDomain: disguised ? registrableDomain(asciiHost) : domain.toLowerCase(),
    ...(disguised ? {} : { domainAt: [domainStart, domainStart + domain.length] as const }),
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
    // Punctuation and invisible characters after the URL are not part of it.
    let candidate = m[0];
    for (let prev = ''; prev !== candidate;) {
      prev = candidate;
      candidate = trimTrailing(candidate).replace(INVISIBLE_AT_END, '');
    }
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
