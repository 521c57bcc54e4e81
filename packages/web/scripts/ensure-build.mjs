#!/usr/bin/env node
// Builds the web client when dist is missing (npm start on a clone where the install-time build
// was skipped). Fast no-op otherwise.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { webDistBuilt } from './dist-path.mjs';

if (!webDistBuilt()) {
  const build = fileURLToPath(new URL('./build.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [build], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
