/**
 * The ordered index of one conversation's history (records hd/ and hp/ in local-state.ts). The
 * encrypted store blinds every key segment, so listing `h/<contact>/` cannot give the newest N
 * entries without decrypting all of them; these records can. An entry is named in the index by its
 * position: the part of its history key after `h/<contact>/`, i.e. `<sentAt, 16 digits>/<id>`.
 * Positions compare as strings, exactly as the history keys themselves sort (by sentAt, then by id)
 * — the order `history()` returned when it sorted the whole listing.
 *
 *   directory  { v: 1, next, pages: [{ p: page id, f: lowest position it routes (page 0: '') }] }
 *   page       { v: 1, keys: [1..PAGE_SIZE positions, strictly ascending] }
 *
 * A position belongs to the last page whose `f` is not above it. A page that overflows splits in
 * two and the directory gains the new page's first position; separators never move otherwise, so
 * a write changes one page, and the directory only on a split. Appending past the end of the last
 * page starts a new page instead of halving it, so a conversation written in order fills its pages.
 * Pure: reading and writing the records is local-state.ts's job.
 */
import { MessengerError } from './errors.js';
import { RecordReader, encodeRecord } from './record-codec.js';

/** Positions per page: a page is ~3.5 KB; the directory holds one separator per page. */
export const PAGE_SIZE = 64;

/** `<sentAt>/<id>`: sentAt as the 16 digits of the history key (every safe integer fits). */
const POSITION = /^\d{16}\/[^/]+$/;

export interface HistoryDirectory {
  /** The id the next new page gets (ids are never reused within one index). */
  next: number;
  /** In position order; `from` of the first page is ''. */
  pages: { id: number; from: string }[];
}

/** The records a change writes: pages (by id) and, on a split, the directory. */
export interface IndexChange {
  pages: { id: number; keys: string[] }[];
  directory?: HistoryDirectory;
}

export function historyPosition(sentAt: number, id: string): string {
  return `${String(sentAt).padStart(16, '0')}/${id}`;
}

function corrupt(what: string, why: string): never {
  throw new MessengerError('StorageFailed', `stored ${what} is corrupt: ${why}`);
}

function ascending(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1]! < keys[i]!)) return false;
  return true;
}

export function encodeHistoryDirectory(d: HistoryDirectory): Uint8Array {
  return encodeRecord({ v: 1, next: d.next, pages: d.pages.map((p) => ({ p: p.id, f: p.from })) });
}

export function decodeHistoryDirectory(bytes: Uint8Array): HistoryDirectory {
  const what = 'history index';
  const r = RecordReader.parse(bytes, what);
  r.int('v', 1, 1);
  const next = r.int('next', 1);
  const pages = r.array('pages').map((p) => ({ id: p.int('p', 0, next - 1), from: p.str('f') }));
  if (pages.length === 0) corrupt(what, 'no pages');
  if (new Set(pages.map((p) => p.id)).size !== pages.length) corrupt(what, 'a page id repeats');
  const [first, ...rest] = pages.map((p) => p.from);
  if (first !== '') corrupt(what, 'the first page has a lower bound');
  if (!rest.every((f) => POSITION.test(f)) || !ascending(rest)) corrupt(what, 'bad page bounds');
  return { next, pages };
}

export function encodeHistoryPage(keys: readonly string[]): Uint8Array {
  return encodeRecord({ v: 1, keys });
}

export function decodeHistoryPage(bytes: Uint8Array): string[] {
  const what = 'history index page';
  const r = RecordReader.parse(bytes, what);
  r.int('v', 1, 1);
  const keys = r.strArray('keys');
  if (keys.length === 0 || keys.length > PAGE_SIZE) corrupt(what, 'bad size');
  if (!keys.every((k) => POSITION.test(k)) || !ascending(keys)) corrupt(what, 'bad positions');
  return keys;
}

/** The index (into `d.pages`) of the page `position` belongs to. */
export function pageFor(d: HistoryDirectory, position: string): number {
  let lo = 0;
  let hi = d.pages.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (d.pages[mid]!.from <= position) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Whether every position of a page lies in the range the directory routes to it. */
export function pageInRange(d: HistoryDirectory, index: number, keys: readonly string[]): boolean {
  const from = d.pages[index]?.from;
  const below = d.pages[index + 1]?.from;
  const first = keys[0];
  const last = keys.at(-1);
  if (from === undefined || first === undefined || last === undefined) return false;
  return first >= from && (below === undefined || last < below);
}

/** Adds `position` to page `index` (holding `keys`); null when it is there already. */
export function insertPosition(
  d: HistoryDirectory,
  index: number,
  keys: readonly string[],
  position: string,
): IndexChange | null {
  let at = 0;
  let hi = keys.length;
  while (at < hi) {
    const mid = (at + hi) >> 1;
    if (keys[mid]! < position) at = mid + 1;
    else hi = mid;
  }
  if (keys[at] === position) return null;
  const page = d.pages[index]!;
  const grown = [...keys.slice(0, at), position, ...keys.slice(at)];
  if (grown.length <= PAGE_SIZE) return { pages: [{ id: page.id, keys: grown }] };
  const newest = index === d.pages.length - 1 && at === keys.length;
  // The newest message of an in-order conversation opens a page; anything else halves the page.
  const split = newest ? keys.length : grown.length >> 1;
  const right = { id: d.next, keys: grown.slice(split) };
  const pages = [...d.pages];
  pages.splice(index + 1, 0, { id: right.id, from: right.keys[0]! });
  return {
    pages: newest ? [right] : [{ id: page.id, keys: grown.slice(0, split) }, right],
    directory: { next: d.next + 1, pages },
  };
}

/** The index of positions already in order (one full listing): full pages, ids from 0. */
export function buildHistoryIndex(sorted: readonly string[]): IndexChange & { directory: HistoryDirectory } {
  const pages: IndexChange['pages'] = [];
  for (let i = 0; i < sorted.length; i += PAGE_SIZE) {
    pages.push({ id: pages.length, keys: sorted.slice(i, i + PAGE_SIZE) });
  }
  return {
    pages,
    directory: {
      next: Math.max(1, pages.length),
      pages: pages.map((p, i) => ({ id: p.id, from: i === 0 ? '' : p.keys[0]! })),
    },
  };
}
