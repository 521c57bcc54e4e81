// Where the production build lives, for the relay / `sotto relay` default webRoot (Node only).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of packages/web/dist. */
export const webDistDir = fileURLToPath(new URL('../dist', import.meta.url));

/** True when a build is present (dist/index.html exists). */
export function webDistBuilt() {
  return existsSync(new URL('../dist/index.html', import.meta.url));
}
