#!/usr/bin/env node
// Production build of the web client into packages/web/dist, then its content hash: printed here and
// written to dist/build-info.json, which the app shows (users compare it with a published value).
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { BUILD_INFO, contentHash } from './content-hash.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = fileURLToPath(new URL('../dist', import.meta.url));

rmSync(dist, { recursive: true, force: true });
await build({
  root,
  logLevel: 'warn',
  configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
});
const { sha256, files } = contentHash(dist);
writeFileSync(`${dist}/${BUILD_INFO}`, JSON.stringify({ sha256, files }) + '\n');
console.log(`@sotto/web built: ${files} files in ${dist}`);
console.log(`@sotto/web build hash (sha256): ${sha256}`);
