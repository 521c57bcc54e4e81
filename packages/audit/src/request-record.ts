// One request as the listener stores it (requests.jsonl). Everything raw: the evidence file is the
// point of the audit, so it keeps tokens, headers in wire order and the exact request target.
import { z } from 'zod';

export const requestRecordSchema = z.strictObject({
  v: z.literal(1),
  kind: z.enum(['hit', 'noise']),
  malformed: z.boolean(),
  time: z.string(),
  method: z.string(),
  target: z.string(),
  http_version: z.string(),
  tokens: z.array(z.string()),
  remote_address: z.string(),
  remote_port: z.number().int(),
  /** X-Forwarded-For as received; only trusted when remote_address is a configured proxy. */
  forwarded_for: z.string().nullable(),
  /** The client as best known: remote_address, or the proxy-reported one for trusted proxies. */
  client_address: z.string(),
  user_agent: z.string().nullable(),
  raw_headers: z.array(z.string()),
  body_bytes: z.number().int(),
  body_truncated: z.boolean(),
  error: z.string().nullable(),
});
export type RequestRecord = z.infer<typeof requestRecordSchema>;

export function parseRequestRecord(v: unknown): RequestRecord | undefined {
  const r = requestRecordSchema.safeParse(v);
  return r.success ? r.data : undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** `65.52.100.214 - - [16/May/2013 11:30:10] "HEAD /index.html?x HTTP/1.1" 200 -` (UTC), as Ars printed. */
export function commonLogLine(r: RequestRecord, status = 200): string {
  const d = new Date(r.time);
  const stamp = `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()] ?? '???'}/${d.getUTCFullYear()} ${two(
    d.getUTCHours(),
  )}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  // Control characters from a hostile request target must not reach the terminal.
  const safe = (s: string): string =>
    s.replace(/[\x00-\x1f\x7f"\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `${r.client_address} - - [${stamp}] "${safe(r.method)} ${safe(r.target)} HTTP/${safe(r.http_version)}" ${status} -`;
}
