/**
 * The inner message that travels inside the ratchet ciphertext (before Signal padding). A small,
 * strict binary format, version 1, big-endian:
 *
 *   version:u8 (=1)  kind:u8  messageId:16  sentAt:u64 (ms since epoch)  then by kind
 *   kind 1 (text):    length:u32  utf8:length           (well-formed UTF-8, ≤ MAX_TEXT_BYTES)
 *   kind 2 (receipt): count:u8 (1..MAX_RECEIPT_IDS)  count × targetId:16
 *   kind 3 (sent):    destination:16  length:u32  utf8:length
 *                     (a sync copy for our own other devices: "I sent this text to that account")
 *   kind 4 (contacts): requestId:16  count:u8 (0..MAX_SYNC_CONTACTS)  count × contact, for our own
 *                     other devices, answering the sync request `requestId`:
 *                     accountId:16  identityKey:33  flags:u8 (bit 0: verified; others 0)
 *                     nameLength:u16 (1..MAX_NAME_BYTES)  utf8:nameLength  usernameLength:u8  ascii
 *   kind 5 (sync request): what:u8 (1 = contacts): a newly linked device asks our other devices
 *
 * Decoding is strict: unknown version or kind, short input, overlong lengths, malformed UTF-8 and
 * trailing bytes are all a typed `MessengerError('InvalidContent')` — never a crash, never a guess.
 */
import { MessengerError } from './errors.js';
import { ID_BYTES } from './ids.js';

export const CONTENT_VERSION = 1;
export const KIND_TEXT = 1;
export const KIND_RECEIPT = 2;
export const KIND_SENT = 3;
export const KIND_CONTACTS = 4;
export const KIND_SYNC_REQUEST = 5;
/** Contacts per sync message (each at most 564 bytes, so under 29 KB: well inside one envelope). */
export const MAX_SYNC_CONTACTS = 50;
const IDENTITY_KEY_BYTES = 33;
/** A contact name is at most 64 characters (contacts.ts), so at most 256 bytes of UTF-8. */
const MAX_NAME_BYTES = 256;
/** Fits, padded and encrypted, inside the relay's 64 KiB envelope limit with room to spare. */
export const MAX_TEXT_BYTES = 32 * 1024;
export const MAX_RECEIPT_IDS = 100;

export interface TextContent {
  kind: 'text';
  messageId: Uint8Array;
  sentAt: number;
  text: string;
}

export interface ReceiptContent {
  kind: 'receipt';
  messageId: Uint8Array;
  sentAt: number;
  /** Ids of the messages this receipt confirms. */
  targetIds: Uint8Array[];
}

export interface SentContent {
  kind: 'sent';
  messageId: Uint8Array;
  sentAt: number;
  /** 16 raw bytes of the destination account id (a UUID). */
  destination: Uint8Array;
  text: string;
}

/** One contact as our own devices share it (contacts sync). */
export interface SyncedContact {
  /** 16 raw bytes of the contact's account id (a UUID). */
  accountId: Uint8Array;
  identityKey: Uint8Array;
  verified: boolean;
  name: string;
  username: string | null;
}

export interface ContactsContent {
  kind: 'contacts';
  messageId: Uint8Array;
  sentAt: number;
  /** The messageId of the sync request this answers (only the device that asked applies it). */
  requestId: Uint8Array;
  contacts: SyncedContact[];
}

export interface SyncRequestContent {
  kind: 'syncRequest';
  messageId: Uint8Array;
  sentAt: number;
  what: 'contacts';
}

export type Content = TextContent | ReceiptContent | SentContent | ContactsContent | SyncRequestContent;

const HEADER_BYTES = 2 + ID_BYTES + 8;

function invalid(why: string): never {
  throw new MessengerError('InvalidContent', `invalid content: ${why}`);
}

function checkCommon(c: Content): void {
  if (!(c.messageId instanceof Uint8Array) || c.messageId.length !== ID_BYTES) {
    throw new MessengerError('InvalidArgument', `"messageId" expected ${ID_BYTES} bytes`);
  }
  if (!Number.isSafeInteger(c.sentAt) || c.sentAt < 0) {
    throw new MessengerError('InvalidArgument', '"sentAt" must be a non-negative safe integer');
  }
}

function writeHeader(out: Uint8Array, view: DataView, kind: number, c: Content): void {
  out[0] = CONTENT_VERSION;
  out[1] = kind;
  out.set(c.messageId, 2);
  view.setBigUint64(2 + ID_BYTES, BigInt(c.sentAt));
}

function encodeText(s: string): Uint8Array {
  const text = new TextEncoder().encode(s);
  if (text.length > MAX_TEXT_BYTES) {
    throw new MessengerError('MessageTooLong', `text is ${text.length} bytes; at most ${MAX_TEXT_BYTES}`);
  }
  return text;
}

export function encodeContent(c: Content): Uint8Array {
  checkCommon(c);
  if (c.kind === 'text' || c.kind === 'sent') {
    const text = encodeText(c.text);
    const pre = c.kind === 'sent' ? ID_BYTES : 0;
    if (c.kind === 'sent' && (!(c.destination instanceof Uint8Array) || c.destination.length !== ID_BYTES)) {
      throw new MessengerError('InvalidArgument', `"destination" expected ${ID_BYTES} bytes`);
    }
    const out = new Uint8Array(HEADER_BYTES + pre + 4 + text.length);
    const view = new DataView(out.buffer);
    writeHeader(out, view, c.kind === 'sent' ? KIND_SENT : KIND_TEXT, c);
    if (c.kind === 'sent') out.set(c.destination, HEADER_BYTES);
    view.setUint32(HEADER_BYTES + pre, text.length);
    out.set(text, HEADER_BYTES + pre + 4);
    return out;
  }
  if (c.kind === 'contacts') return encodeContacts(c);
  if (c.kind === 'syncRequest') {
    const out = new Uint8Array(HEADER_BYTES + 1);
    writeHeader(out, new DataView(out.buffer), KIND_SYNC_REQUEST, c);
    out[HEADER_BYTES] = 1;
    return out;
  }
  const n = c.targetIds.length;
  if (n < 1 || n > MAX_RECEIPT_IDS) {
    throw new MessengerError('InvalidArgument', `a receipt confirms 1..${MAX_RECEIPT_IDS} ids, got ${n}`);
  }
  const out = new Uint8Array(HEADER_BYTES + 1 + n * ID_BYTES);
  const view = new DataView(out.buffer);
  writeHeader(out, view, KIND_RECEIPT, c);
  out[HEADER_BYTES] = n;
  c.targetIds.forEach((id, i) => {
    if (!(id instanceof Uint8Array) || id.length !== ID_BYTES) {
      throw new MessengerError('InvalidArgument', `receipt target id expected ${ID_BYTES} bytes`);
    }
    out.set(id, HEADER_BYTES + 1 + i * ID_BYTES);
  });
  return out;
}

function encodeContacts(c: ContactsContent): Uint8Array {
  const n = c.contacts.length;
  if (n > MAX_SYNC_CONTACTS) {
    throw new MessengerError('InvalidArgument', `a contacts sync carries 0..${MAX_SYNC_CONTACTS}, got ${n}`);
  }
  if (!(c.requestId instanceof Uint8Array) || c.requestId.length !== ID_BYTES)
    throw new MessengerError('InvalidArgument', `"requestId" expected ${ID_BYTES} bytes`);
  const parts = c.contacts.map((k) => {
    const name = new TextEncoder().encode(k.name);
    const username = new TextEncoder().encode(k.username ?? '');
    if (!(k.accountId instanceof Uint8Array) || k.accountId.length !== ID_BYTES)
      throw new MessengerError('InvalidArgument', `contact account id expected ${ID_BYTES} bytes`);
    if (!(k.identityKey instanceof Uint8Array) || k.identityKey.length !== IDENTITY_KEY_BYTES)
      throw new MessengerError(
        'InvalidArgument',
        `contact identity key expected ${IDENTITY_KEY_BYTES} bytes`,
      );
    if (name.length < 1 || name.length > MAX_NAME_BYTES || username.length > 255)
      throw new MessengerError('InvalidArgument', 'contact name or username too long');
    const out = new Uint8Array(ID_BYTES + IDENTITY_KEY_BYTES + 1 + 2 + name.length + 1 + username.length);
    let o = 0;
    out.set(k.accountId, o);
    out.set(k.identityKey, (o += ID_BYTES));
    out[(o += IDENTITY_KEY_BYTES)] = k.verified ? 1 : 0;
    new DataView(out.buffer).setUint16(++o, name.length);
    out.set(name, (o += 2));
    out[(o += name.length)] = username.length;
    out.set(username, o + 1);
    return out;
  });
  const out = new Uint8Array(HEADER_BYTES + ID_BYTES + 1 + parts.reduce((a, p) => a + p.length, 0));
  writeHeader(out, new DataView(out.buffer), KIND_CONTACTS, c);
  out.set(c.requestId, HEADER_BYTES);
  out[HEADER_BYTES + ID_BYTES] = n;
  let o = HEADER_BYTES + ID_BYTES + 1;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strict decoder: returns a Content or throws MessengerError('InvalidContent'). */
export function decodeContent(bytes: Uint8Array): Content {
  if (!(bytes instanceof Uint8Array)) invalid('not bytes');
  if (bytes.length < HEADER_BYTES) invalid('too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== CONTENT_VERSION) invalid(`unsupported version ${bytes[0]}`);
  const kind = bytes[1];
  const messageId = bytes.slice(2, 2 + ID_BYTES);
  const sent = view.getBigUint64(2 + ID_BYTES);
  if (sent > BigInt(Number.MAX_SAFE_INTEGER)) invalid('sent time out of range');
  const sentAt = Number(sent);
  if (kind === KIND_TEXT || kind === KIND_SENT) {
    const pre = kind === KIND_SENT ? ID_BYTES : 0;
    if (bytes.length < HEADER_BYTES + pre + 4) invalid('truncated text length');
    const len = view.getUint32(HEADER_BYTES + pre);
    if (len > MAX_TEXT_BYTES) invalid('text too long');
    if (bytes.length !== HEADER_BYTES + pre + 4 + len) invalid('text length does not match');
    let text: string;
    try {
      text = utf8Strict.decode(bytes.subarray(HEADER_BYTES + pre + 4));
    } catch {
      invalid('text is not UTF-8');
    }
    if (kind === KIND_SENT) {
      return {
        kind: 'sent',
        messageId,
        sentAt,
        destination: bytes.slice(HEADER_BYTES, HEADER_BYTES + pre),
        text,
      };
    }
    return { kind: 'text', messageId, sentAt, text };
  }
  if (kind === KIND_RECEIPT) {
    if (bytes.length < HEADER_BYTES + 1) invalid('truncated receipt count');
    const n = bytes[HEADER_BYTES]!;
    if (n < 1 || n > MAX_RECEIPT_IDS) invalid('receipt count out of range');
    if (bytes.length !== HEADER_BYTES + 1 + n * ID_BYTES) invalid('receipt length does not match');
    const targetIds: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const o = HEADER_BYTES + 1 + i * ID_BYTES;
      targetIds.push(bytes.slice(o, o + ID_BYTES));
    }
    return { kind: 'receipt', messageId, sentAt, targetIds };
  }
  if (kind === KIND_CONTACTS) {
    if (bytes.length < HEADER_BYTES + ID_BYTES) invalid('truncated contacts request id');
    const requestId = bytes.slice(HEADER_BYTES, HEADER_BYTES + ID_BYTES);
    return { kind: 'contacts', messageId, sentAt, requestId, contacts: decodeContacts(bytes) };
  }
  if (kind === KIND_SYNC_REQUEST) {
    if (bytes.length !== HEADER_BYTES + 1 || bytes[HEADER_BYTES] !== 1) invalid('unknown sync request');
    return { kind: 'syncRequest', messageId, sentAt, what: 'contacts' };
  }
  return invalid(`unknown kind ${kind}`);
}

function decodeContacts(bytes: Uint8Array): SyncedContact[] {
  if (bytes.length < HEADER_BYTES + ID_BYTES + 1) invalid('truncated contacts count');
  const n = bytes[HEADER_BYTES + ID_BYTES]!;
  if (n > MAX_SYNC_CONTACTS) invalid('contacts count out of range');
  const contacts: SyncedContact[] = [];
  let o = HEADER_BYTES + ID_BYTES + 1;
  const take = (len: number): Uint8Array => {
    if (o + len > bytes.length) invalid('truncated contact');
    const v = bytes.slice(o, o + len);
    o += len;
    return v;
  };
  const text = (b: Uint8Array, what: string): string => {
    try {
      return utf8Strict.decode(b);
    } catch {
      return invalid(`${what} is not UTF-8`);
    }
  };
  for (let i = 0; i < n; i++) {
    const accountId = take(ID_BYTES);
    const identityKey = take(IDENTITY_KEY_BYTES);
    const flags = take(1)[0]!;
    if ((flags & ~1) !== 0) invalid('unknown contact flags');
    const lengthBytes = take(2);
    const nameLength = (lengthBytes[0]! << 8) | lengthBytes[1]!;
    if (nameLength === 0 || nameLength > MAX_NAME_BYTES) invalid('contact name length out of range');
    const name = text(take(nameLength), 'contact name');
    const usernameLength = take(1)[0]!;
    const username = usernameLength === 0 ? null : text(take(usernameLength), 'contact username');
    contacts.push({ accountId, identityKey, verified: flags === 1, name, username });
  }
  if (o !== bytes.length) invalid('contacts length does not match');
  return contacts;
}
