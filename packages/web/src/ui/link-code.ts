/**
 * The text forms of device linking, defined once in @sotto/client (link-text.ts) for the CLI and
 * this page, so that a request or code shown by `sotto init --link` / `sotto devices link` can be
 * pasted here and the other way round. Here: the refusal worded for the page.
 */

import { linkText, parseLinkText } from '@sotto/client';

export { identityFingerprint, requestFingerprint } from '@sotto/client';

export type ParsedCode = { ok: true; bytes: Uint8Array } | { ok: false; error: string };

export const codeText = linkText;

/** Bytes of a pasted code; `what` names it in the error ("link request", "link code"). */
export function parseCode(text: string, what: string, minBytes: number, maxBytes: number): ParsedCode {
  const parsed = parseLinkText(text, minBytes, maxBytes);
  return parsed.ok ? parsed : { ok: false, error: `Invalid ${what}: ${parsed.reason}.` };
}
