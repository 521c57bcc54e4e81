// Shared test helpers: temp dirs, a deterministic key.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type TestCtx = { after: (fn: () => void | Promise<void>) => void };

export function tempDir(t: TestCtx, prefix = 'sotto-audit-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const KEY = new Uint8Array(32).map((_, i) => i + 1);
export const OTHER_KEY = new Uint8Array(32).map((_, i) => 200 - i);
