// The local profile (display name given to `sotto init --name`): not secret, not sent anywhere.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PROFILE_FILE = 'profile.json';

export function readDisplayName(home: string): string | null {
  try {
    const v: unknown = JSON.parse(readFileSync(join(home, PROFILE_FILE), 'utf8'));
    if (typeof v === 'object' && v !== null && 'name' in v && typeof v.name === 'string') return v.name;
  } catch {
    // no profile, or unreadable: no display name
  }
  return null;
}

/** Keeps the display name in this home only (mode 0600). */
export function writeDisplayName(home: string, name: string): void {
  writeFileSync(join(home, PROFILE_FILE), JSON.stringify({ name }) + '\n', { mode: 0o600 });
}
