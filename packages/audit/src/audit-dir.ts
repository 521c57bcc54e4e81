// The audit directory: audit.key (0600, 32 random bytes), tokens.jsonl, requests.jsonl. The key is
// what makes late hits attributable after a restart without a database (AUDIT.md, BOAST).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditError } from './errors.js';
import { TokenRegistry } from './registry.js';
import { newAuditKey } from './tokens.js';

export const KEY_FILE = 'audit.key';

export interface AuditDir {
  readonly dir: string;
  readonly key: Uint8Array;
  readonly registry: TokenRegistry;
}

/** Opens (creating if needed) an audit directory and its key. */
export function openAuditDir(dir: string, random?: (n: number) => Uint8Array): AuditDir {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyPath = join(dir, KEY_FILE);
  if (!existsSync(keyPath)) writeFileSync(keyPath, newAuditKey(random), { mode: 0o600, flag: 'wx' });
  const key = new Uint8Array(readFileSync(keyPath));
  if (key.length !== 32) throw new AuditError('BadKey', `"${KEY_FILE}" expected 32 bytes, got ${key.length}`);
  return { dir, key, registry: new TokenRegistry(dir) };
}
