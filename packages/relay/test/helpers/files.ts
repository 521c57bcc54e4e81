// Scanning a data directory's bytes, for tests that check what is (and is not) left on disk.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** How many times `needle` occurs in the files of `dir` (SQLite's database, WAL and index alike). */
export function occurrencesInDir(dir: string, needle: Uint8Array): number {
  let n = 0;
  for (const f of readdirSync(dir)) {
    const bytes = readFileSync(join(dir, f));
    for (let i = bytes.indexOf(needle); i >= 0; i = bytes.indexOf(needle, i + 1)) n++;
  }
  return n;
}
