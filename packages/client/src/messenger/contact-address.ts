/**
 * The shareable `sotto:` address, as the messenger uses it. C1's address.ts (the canonical codec
 * with QR rendering) had not landed when this was written; this is the minimal strict codec the
 * messenger needs, to be replaced by a re-export of C1's once it exists:
 *
 *   sotto:<accountId>?relay=<percent-encoded http(s) URL>&key=<base64url identity key, 33 bytes>
 */
import { fromBase64, isUuid, toBase64 } from '@sotto/wire';
import { MessengerError } from './errors.js';

export interface ParsedAddress {
  relayUrl: string;
  accountId: string;
  /** 33-byte identity public key. */
  identityKey: Uint8Array;
}

function b64url(b: Uint8Array): string {
  return toBase64(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function unb64url(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return undefined;
  const std = s.replace(/-/g, '+').replace(/_/g, '/');
  return fromBase64(std + '='.repeat((4 - (std.length % 4)) % 4));
}

export function formatAddress(a: ParsedAddress): string {
  return `sotto:${a.accountId}?relay=${encodeURIComponent(a.relayUrl)}&key=${b64url(a.identityKey)}`;
}

function bad(why: string): never {
  throw new MessengerError('InvalidAddress', `malformed sotto: address (${why})`);
}

export function parseAddress(text: string): ParsedAddress {
  if (typeof text !== 'string' || text.length > 2048) bad('not text');
  const m = /^sotto:([0-9a-f-]{36})\?(.*)$/.exec(text.trim());
  if (!m) bad('expected sotto:<account id>?relay=…&key=…');
  const accountId = m[1]!;
  if (!isUuid(accountId)) bad('account id');
  const params = new Map<string, string>();
  for (const part of m[2]!.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) bad('query');
    const k = part.slice(0, eq);
    if (params.has(k)) bad(`duplicate ${k}`);
    let v: string;
    try {
      v = decodeURIComponent(part.slice(eq + 1));
    } catch {
      bad('encoding');
    }
    params.set(k, v);
  }
  const relayUrl = params.get('relay');
  const key = params.get('key');
  if (relayUrl === undefined || key === undefined || params.size !== 2) bad('expected exactly relay and key');
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(relayUrl)) bad('relay URL');
  const identityKey = unb64url(key);
  if (!identityKey || identityKey.length !== 33 || identityKey[0] !== 0x05) bad('identity key');
  return { relayUrl, accountId, identityKey };
}
