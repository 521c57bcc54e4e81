// Bytes across page.evaluate: Uint8Array <-> { u8: number[] }, recursively through arrays and plain
// objects. Anything else passes unchanged (so invalid inputs stay invalid on the other side).
export function wireEncode(v: unknown): unknown {
  if (v instanceof Uint8Array) return { u8: Array.from(v) };
  if (Array.isArray(v)) return v.map(wireEncode);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wireEncode(x)]));
  }
  return v;
}

export function wireDecode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(wireDecode);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Object.keys(o).length === 1 && Array.isArray(o['u8'])) return Uint8Array.from(o['u8'] as number[]);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, wireDecode(x)]));
  }
  return v;
}
