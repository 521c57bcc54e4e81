// The build's content hash: SHA-256 over a sha256sum-style manifest of every file in dist except
// build-info.json (which carries the hash). Deterministic: paths sorted bytewise, posix "./" form, so
//   cd packages/web/dist && find . -type f ! -name build-info.json | LC_ALL=C sort | xargs sha256sum | sha256sum
// prints the same value.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const BUILD_INFO = 'build-info.json';

function walk(dir, rel) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    const r = `${rel}/${name}`;
    if (statSync(full).isDirectory()) out = out.concat(walk(full, r));
    else if (r !== `./${BUILD_INFO}`) out.push(r);
  }
  return out;
}

export function contentHash(distDir) {
  const files = walk(distDir, '.').sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const manifest = files
    .map(
      (f) =>
        `${createHash('sha256')
          .update(readFileSync(join(distDir, f)))
          .digest('hex')}  ${f}\n`,
    )
    .join('');
  return { sha256: createHash('sha256').update(manifest).digest('hex'), files: files.length };
}
