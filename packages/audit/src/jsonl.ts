// Durable append-only JSON Lines: every record is written and fsync'd before append() returns, so a
// crash loses at most the record being written (AUDIT.md: "record everything, evict nothing silently").
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';

export class JsonlLog {
  readonly path: string;
  private fd: number | undefined;

  constructor(path: string) {
    this.path = path;
    this.fd = openSync(path, 'a', 0o600);
  }

  append(record: unknown): void {
    if (this.fd === undefined) throw new Error('log closed');
    writeSync(this.fd, JSON.stringify(record) + '\n');
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Reads every line of a JSONL file through `parse` (which validates). A torn last line (crash during
 * append) is skipped; any other bad line is returned in `bad` so it is reported, never silently lost.
 */
export function readJsonl<T>(
  path: string,
  parse: (value: unknown) => T | undefined,
): { records: T[]; bad: number } {
  if (!existsSync(path)) return { records: [], bad: 0 };
  const lines = readFileSync(path, 'utf8').split('\n');
  const records: T[] = [];
  let bad = 0;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (i !== lines.length - 1) bad += 1;
      return;
    }
    const rec = parse(value);
    if (rec === undefined) bad += 1;
    else records.push(rec);
  });
  return { records, bad };
}
