// Every byte pattern under which a needle could sit at rest: raw UTF-8, base64 (standard and url-safe,
// all three alignments, so a needle in the middle of a larger encoded blob is still found), hex,
// UTF-16 and percent-encoding.
export interface EncodedNeedle {
  readonly encoding: string;
  readonly bytes: Buffer;
}

/** The base64 characters fully determined by `needle` when it starts at byte offset ≡ k (mod 3). */
function base64Aligned(needle: Buffer, k: 0 | 1 | 2, urlSafe: boolean): string {
  const full = Buffer.concat([Buffer.alloc(k), needle]);
  const enc = full.toString(urlSafe ? 'base64url' : 'base64').replace(/=+$/, '');
  const skip = [0, 2, 3][k] ?? 0;
  const r = full.length % 3;
  const end = Math.floor(full.length / 3) * 4 + (r === 1 ? 1 : r === 2 ? 2 : 0);
  return enc.slice(skip, end);
}

export function encodeNeedle(needle: string): EncodedNeedle[] {
  const raw = Buffer.from(needle, 'utf8');
  const out: EncodedNeedle[] = [{ encoding: 'utf8', bytes: raw }];
  for (const k of [0, 1, 2] as const) {
    out.push({ encoding: `base64@${k}`, bytes: Buffer.from(base64Aligned(raw, k, false)) });
    out.push({ encoding: `base64url@${k}`, bytes: Buffer.from(base64Aligned(raw, k, true)) });
  }
  out.push({ encoding: 'hex', bytes: Buffer.from(raw.toString('hex')) });
  out.push({ encoding: 'HEX', bytes: Buffer.from(raw.toString('hex').toUpperCase()) });
  out.push({ encoding: 'utf16le', bytes: Buffer.from(needle, 'utf16le') });
  out.push({ encoding: 'utf16be', bytes: Buffer.from(needle, 'utf16le').swap16() });
  const uri = encodeURIComponent(needle);
  if (uri !== needle) out.push({ encoding: 'percent', bytes: Buffer.from(uri) });
  const everyByte = [...raw].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  out.push({ encoding: 'percent-all', bytes: Buffer.from(everyByte) });
  out.push({ encoding: 'PERCENT-ALL', bytes: Buffer.from(everyByte.toUpperCase()) });
  // Drop duplicates (e.g. url-safe = standard base64 for most needles) and too-short patterns.
  const seen = new Set<string>();
  return out.filter((e) => {
    const key = e.bytes.toString('latin1');
    if (seen.has(key) || e.bytes.length < 4) return false;
    seen.add(key);
    return true;
  });
}
