// `sotto relay` serves the web client by default: packages/web/dist of this checkout, when built
// (npm install builds it; see docs/web.md). An explicit webRoot (flag, env, config file) wins.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function defaultWebRoot(): string | undefined {
  const dist = fileURLToPath(new URL('../../../web/dist', import.meta.url));
  return existsSync(`${dist}/index.html`) ? dist : undefined;
}
