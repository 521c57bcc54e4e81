// Scans every byte of every regular file under a directory for needles (read-only: files are only
// opened for reading; symlinks are listed, not followed).
import { closeSync, lstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { encodeNeedle } from './encodings.js';

export interface NeedleLocation {
  readonly needle: number;
  readonly file: string;
  readonly offset: number;
  readonly encoding: string;
}

export interface ScannedFile {
  readonly file: string;
  readonly bytes: number;
}

export function listFiles(root: string): { files: string[]; skipped: string[] } {
  const files: string[] = [];
  const skipped: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const st = lstatSync(full);
      if (st.isDirectory()) walk(full);
      else if (st.isFile()) files.push(full);
      else skipped.push(full);
    }
  };
  walk(root);
  return { files, skipped };
}

const CHUNK = 4 * 1024 * 1024;

/** Finds every occurrence of every encoding of every needle; offsets are absolute in each file. */
export function scanFiles(
  root: string,
  files: readonly string[],
  needles: readonly string[],
  maxPerNeedleFile = 100,
): { locations: NeedleLocation[]; scanned: ScannedFile[]; totals: number[] } {
  const patterns = needles.flatMap((n, i) => encodeNeedle(n).map((e) => ({ needle: i, ...e })));
  const overlap = Math.max(0, ...patterns.map((p) => p.bytes.length)) - 1;
  const locations: NeedleLocation[] = [];
  const scanned: ScannedFile[] = [];
  // Every occurrence is counted even past the per-file listing cap: nothing is dropped silently.
  const totals = needles.map(() => 0);
  for (const file of files) {
    const rel = relative(root, file);
    const counts = new Map<number, number>();
    const fd = openSync(file, 'r');
    let total = 0;
    try {
      let carry = Buffer.alloc(0);
      let base = 0; // file offset of carry[0]
      for (;;) {
        const buf = Buffer.alloc(CHUNK);
        const n = readSync(fd, buf, 0, CHUNK, null);
        if (n === 0) break;
        total += n;
        const window = Buffer.concat([carry, buf.subarray(0, n)]);
        for (const p of patterns) {
          let at = window.indexOf(p.bytes);
          while (at >= 0) {
            // Matches wholly inside the carried-over tail were reported by the previous window.
            if (at + p.bytes.length > carry.length) {
              const c = counts.get(p.needle) ?? 0;
              if (c < maxPerNeedleFile) {
                locations.push({ needle: p.needle, file: rel, offset: base + at, encoding: p.encoding });
              }
              counts.set(p.needle, c + 1);
              totals[p.needle] = (totals[p.needle] ?? 0) + 1;
            }
            at = window.indexOf(p.bytes, at + 1);
          }
        }
        const keep = Math.min(overlap, window.length);
        base += window.length - keep;
        carry = window.subarray(window.length - keep);
      }
    } finally {
      closeSync(fd);
    }
    scanned.push({ file: rel, bytes: total });
  }
  return { locations, scanned, totals };
}
