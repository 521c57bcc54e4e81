// Typed, isomorphic client for the whole relay API. HTTP goes through an injected fetch, the WebSocket
// through an injected constructor with the browser WebSocket shape (Node 20 has none: pass `ws`).
// Every response is schema-checked: a relay is untrusted input too.
import { concatChunks, fromBase64, toBase64 } from './bytes.js';
import { RelayError, isRelayErrorCode } from './errors.js';
import type { SubmitEnvelope, SubmitResult } from './frames.js';
import { RelayConnection } from './relay-connection.js';
import type { ConnectionHandlers, ConnectOptions } from './relay-connection.js';
import type { Credentials, FetchLike, FetchResponseLike, WebSocketCtor } from './transport.js';
import {
  AccountResponseSchema,
  AttachmentCreatedResponseSchema,
  DeviceCreatedResponseSchema,
  ErrorResponseSchema,
  HealthResponseSchema,
  KeyCountsResponseSchema,
  PreKeyBundleResponseSchema,
  SubmitResponseSchema,
  UsernameResponseSchema,
  WhoAmIResponseSchema,
  parseUnknown,
} from './http-schemas.js';
import type {
  AttachmentCreatedResponse,
  DeviceCreatedResponse,
  KeyCountsResponse,
  UploadKeysRequest,
  WhoAmIResponse,
} from './http-schemas.js';
import type { z } from 'zod';

// ---------- byte-level API types ----------

export interface PreKeyBytes {
  keyId: number;
  publicKey: Uint8Array;
}
export interface SignedPreKeyBytes extends PreKeyBytes {
  signature: Uint8Array;
}
export interface KeyUpload {
  signedPreKey?: SignedPreKeyBytes;
  preKeys?: PreKeyBytes[];
  kyberPreKeys?: SignedPreKeyBytes[];
  kyberLastResort?: SignedPreKeyBytes;
}
export interface BundleDeviceBytes {
  deviceId: number;
  registrationId: number;
  signedPreKey: SignedPreKeyBytes;
  preKey: PreKeyBytes | null;
  kyberPreKey: SignedPreKeyBytes & { lastResort: boolean };
}
export interface PreKeyBundleBytes {
  accountId: string;
  identityKey: Uint8Array;
  devices: BundleDeviceBytes[];
}
export interface AccountInfo {
  accountId: string;
  identityKey: Uint8Array;
  username: string | null;
  devices: number[];
}

export interface RelayClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 (the WebSocket is at ws(s)://same/v1/ws). */
  url: string;
  fetch?: FetchLike;
  WebSocket?: WebSocketCtor;
  credentials?: Credentials;
  /**
   * Deadline of one HTTP request, in ms: from sending it to the last byte of the answer, the retry
   * included (default DEFAULT_HTTP_TIMEOUT_MS, 30 s). Past it the request is aborted with
   * RelayError('Timeout'): a relay that sends headers and then trickles the body cannot hold a caller.
   */
  timeoutMs?: number;
  /** Largest JSON answer (or error body) read, in bytes (default DEFAULT_MAX_RESPONSE_BYTES, 1 MiB). */
  maxResponseBytes?: number;
  /** Largest attachment downloadAttachment() reads (default DEFAULT_MAX_ATTACHMENT_BYTES, 255 MiB). */
  maxAttachmentBytes?: number;
}

/** Per-call overrides of the client's deadline. */
export interface RequestOptions {
  timeoutMs?: number;
}

/** Default deadline of one HTTP request (headers and whole body). */
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;
/**
 * Default limit of a JSON answer. The largest the relay sends is a bundle of 127 devices (about
 * 2.5 KB each, most of it the Kyber key): some 320 KB.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Default limit of a downloaded attachment: the largest attachmentMaxBytes a relay can be configured with. */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 255 * 1024 * 1024;

const b64 = (b: Uint8Array) => toBase64(b);
function unb64(s: string): Uint8Array {
  const b = fromBase64(s);
  // Unreachable after schema validation, which checks decodability.
  if (!b) throw new RelayError('BadResponse', 'relay sent invalid base64');
  return b;
}
const signedToJson = (k: SignedPreKeyBytes) => ({
  keyId: k.keyId,
  publicKey: b64(k.publicKey),
  signature: b64(k.signature),
});
const signedFromJson = (k: { keyId: number; publicKey: string; signature: string }): SignedPreKeyBytes => ({
  keyId: k.keyId,
  publicKey: unb64(k.publicKey),
  signature: unb64(k.signature),
});

/** Pause before the one retry of a request that got no answer. */
const RETRY_DELAY_MS = 100;

/** `Authorization: Basic base64("<accountId>.<deviceId>:<base64 secret>")` */
export function basicAuthHeader(c: Credentials): string {
  return 'Basic ' + toBase64(new TextEncoder().encode(`${c.accountId}.${c.deviceId}:${toBase64(c.secret)}`));
}

/** HTTP + WebSocket client for one relay (and, when credentials are set, one device). */
export class RelayClient {
  readonly url: string;
  private readonly fetchImpl: FetchLike | undefined;
  private readonly wsCtor: WebSocketCtor | undefined;
  readonly credentials: Credentials | undefined;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly maxAttachmentBytes: number;
  private readonly inflight = new Set<Deadline>();
  private closed = false;

  constructor(opts: RelayClientOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    const globalFetch = (globalThis as { fetch?: FetchLike }).fetch;
    this.fetchImpl = opts.fetch ?? globalFetch?.bind(globalThis);
    this.wsCtor = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
    this.credentials = opts.credentials;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.maxAttachmentBytes = opts.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
  }

  /** A client for the same relay acting as the given device (same deadline and limits). */
  withCredentials(credentials: Credentials): RelayClient {
    return new RelayClient({
      url: this.url,
      ...(this.fetchImpl ? { fetch: this.fetchImpl } : {}),
      ...(this.wsCtor ? { WebSocket: this.wsCtor } : {}),
      credentials,
      timeoutMs: this.timeoutMs,
      maxResponseBytes: this.maxResponseBytes,
      maxAttachmentBytes: this.maxAttachmentBytes,
    });
  }

  /**
   * Aborts every HTTP request in flight and refuses new ones, all with RelayError('Closed'), so an
   * owner shutting down never waits for a stalled relay. WebSockets from connect() are not touched.
   */
  close(): void {
    this.closed = true;
    this.abortInflight();
  }

  /** Aborts every HTTP request in flight with RelayError('Closed'); later requests go out as usual. */
  abortInflight(): void {
    for (const d of this.inflight) d.abort(new RelayError('Closed', `${d.what}: aborted`));
  }

  // ---------- HTTP plumbing ----------

  /** One request under one deadline that covers the retry and reading the whole answer. */
  private async request(
    method: string,
    path: string,
    opts: RequestShape = {},
  ): Promise<{ status: number; body: Uint8Array }> {
    if (this.closed) throw new RelayError('Closed', `${method} ${path}: client closed`);
    if (!this.fetchImpl) throw new RelayError('NetworkError', 'no fetch implementation available');
    const headers: Record<string, string> = {};
    if (opts.auth !== false) {
      if (!this.credentials) throw new RelayError('Unauthorized', 'this client has no credentials');
      headers['authorization'] = basicAuthHeader(this.credentials);
    }
    let body: string | Uint8Array | undefined;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.bytes) {
      headers['content-type'] = 'application/octet-stream';
      body = opts.bytes;
    }
    const what = `${method} ${path}`;
    const deadline = new Deadline(opts.timeoutMs ?? this.timeoutMs, what);
    this.inflight.add(deadline);
    try {
      let res: FetchResponseLike | undefined;
      // A request that never got an answer is sent once more, unless it is a POST: GET/PUT/DELETE are
      // safe to repeat here (PUT /v1/messages is deduplicated by envelope id), and the usual cause is a
      // pooled keep-alive connection the server closed just as it was reused, or a moment of overload.
      const attempts = method === 'POST' ? 1 : 2;
      for (let attempt = 1; res === undefined; attempt++) {
        try {
          res = await deadline.race(
            this.fetchImpl(this.url + path, {
              method,
              headers,
              ...(body !== undefined ? { body } : {}),
              signal: deadline.signal,
            }),
          );
        } catch {
          if (deadline.error) throw deadline.error;
          if (attempt >= attempts) throw new RelayError('NetworkError', `${what}: relay unreachable`);
          await deadline.race(new Promise((r) => setTimeout(r, RETRY_DELAY_MS)));
        }
      }
      const ok = res.status >= 200 && res.status < 300;
      if (ok || (opts.accept ?? []).includes(res.status)) {
        const limit = opts.maxBytes ?? this.maxResponseBytes;
        return { status: res.status, body: await readBody(res, limit, deadline) };
      }
      let errorBody: Uint8Array | undefined;
      try {
        errorBody = await readBody(res, this.maxResponseBytes, deadline);
      } catch {
        if (deadline.error) throw deadline.error;
        errorBody = undefined; // an unreadable error body: the status alone is reported
      }
      return throwFor(res.status, errorBody, what);
    } finally {
      deadline.clear();
      this.inflight.delete(deadline);
    }
  }

  private async getJson<T>(
    schema: z.ZodType<T>,
    method: string,
    path: string,
    opts: RequestShape = {},
  ): Promise<T> {
    const { status, body } = await this.request(method, path, opts);
    const data = parseJson(body);
    if (data === undefined)
      throw new RelayError('BadResponse', `${method} ${path}: body is not JSON`, status);
    const parsed = parseUnknown(schema, data.value);
    if (!parsed.ok) throw new RelayError('BadResponse', `${method} ${path}: ${parsed.issues}`, status);
    return parsed.value;
  }

  // ---------- accounts ----------

  /** Creates an account (device 1). `signature` = XEdDSA over registrationMessage(identityKey, registrationId, deviceSecret). */
  register(req: {
    identityKey: Uint8Array;
    registrationId: number;
    deviceSecret: Uint8Array;
    signature: Uint8Array;
  }): Promise<DeviceCreatedResponse> {
    return this.getJson(DeviceCreatedResponseSchema, 'POST', '/v1/accounts', {
      auth: false,
      json: {
        identityKey: b64(req.identityKey),
        registrationId: req.registrationId,
        deviceSecret: b64(req.deviceSecret),
        signature: b64(req.signature),
      },
    });
  }

  /** Adds a device to an account. `signature` = XEdDSA over addDeviceMessage(accountId, registrationId, deviceSecret). */
  addDevice(
    accountId: string,
    req: { registrationId: number; deviceSecret: Uint8Array; signature: Uint8Array },
  ): Promise<DeviceCreatedResponse> {
    return this.getJson(DeviceCreatedResponseSchema, 'POST', `/v1/accounts/${enc(accountId)}/devices`, {
      auth: false,
      json: {
        registrationId: req.registrationId,
        deviceSecret: b64(req.deviceSecret),
        signature: b64(req.signature),
      },
    });
  }

  /** Removes one of this account's devices (not the calling device itself). */
  async removeDevice(deviceId: number): Promise<void> {
    await this.request('DELETE', `/v1/devices/${deviceId}`);
  }

  whoami(): Promise<WhoAmIResponse> {
    return this.getJson(WhoAmIResponseSchema, 'GET', '/v1/accounts/me');
  }

  async getAccount(accountId: string, opts: RequestOptions = {}): Promise<AccountInfo> {
    const r = await this.getJson(AccountResponseSchema, 'GET', `/v1/accounts/${enc(accountId)}`, opts);
    return { ...r, identityKey: unb64(r.identityKey) };
  }

  /** Sets or changes this account's username; returns the stored lower-case form. */
  async setUsername(username: string): Promise<string> {
    return (
      await this.getJson(UsernameResponseSchema, 'PUT', '/v1/accounts/me/username', { json: { username } })
    ).username;
  }

  async deleteUsername(): Promise<void> {
    await this.request('DELETE', '/v1/accounts/me/username');
  }

  /** Deletes this account on the relay: every device, key and queued envelope; the username is freed. */
  async deleteAccount(): Promise<void> {
    await this.request('DELETE', '/v1/accounts/me');
  }

  /** Case-insensitive lookup; throws RelayError('UsernameNotFound'). */
  async lookupUsername(username: string): Promise<AccountInfo> {
    const r = await this.getJson(AccountResponseSchema, 'GET', `/v1/usernames/${enc(username)}`);
    return { ...r, identityKey: unb64(r.identityKey) };
  }

  // ---------- keys ----------

  async uploadKeys(k: KeyUpload): Promise<void> {
    const body: UploadKeysRequest = {};
    if (k.signedPreKey) body.signedPreKey = signedToJson(k.signedPreKey);
    if (k.preKeys) body.preKeys = k.preKeys.map((p) => ({ keyId: p.keyId, publicKey: b64(p.publicKey) }));
    if (k.kyberPreKeys) body.kyberPreKeys = k.kyberPreKeys.map(signedToJson);
    if (k.kyberLastResort) body.kyberLastResort = signedToJson(k.kyberLastResort);
    await this.request('PUT', '/v1/keys', { json: body });
  }

  keyCounts(): Promise<KeyCountsResponse> {
    return this.getJson(KeyCountsResponseSchema, 'GET', '/v1/keys/count');
  }

  /** Claims a bundle for one device, or for every device when deviceId is omitted. */
  async getBundles(accountId: string, deviceId?: number): Promise<PreKeyBundleBytes> {
    const r = await this.getJson(
      PreKeyBundleResponseSchema,
      'GET',
      `/v1/keys/${enc(accountId)}/${deviceId === undefined ? '*' : deviceId}`,
    );
    return {
      accountId: r.accountId,
      identityKey: unb64(r.identityKey),
      devices: r.devices.map((d) => ({
        deviceId: d.deviceId,
        registrationId: d.registrationId,
        signedPreKey: signedFromJson(d.signedPreKey),
        preKey: d.preKey ? { keyId: d.preKey.keyId, publicKey: unb64(d.preKey.publicKey) } : null,
        kyberPreKey: { ...signedFromJson(d.kyberPreKey), lastResort: d.kyberPreKey.lastResort },
      })),
    };
  }

  // ---------- messages over HTTP ----------

  /** HTTP equivalent of SUBMIT. Whole-request rejections (409/410) come back as a result, not a throw. */
  async submit(recipient: string, envelopes: SubmitEnvelope[]): Promise<SubmitResult> {
    return this.getJson(SubmitResponseSchema, 'PUT', `/v1/messages/${enc(recipient)}`, {
      accept: [409, 410],
      json: {
        envelopes: envelopes.map((e) => ({
          deviceId: e.deviceId,
          registrationId: e.registrationId,
          envelopeId: b64(e.envelopeId),
          envelopeType: e.envelopeType,
          content: b64(e.content),
        })),
      },
    });
  }

  // ---------- attachments ----------

  uploadAttachment(bytes: Uint8Array): Promise<AttachmentCreatedResponse> {
    return this.getJson(AttachmentCreatedResponseSchema, 'POST', '/v1/attachments', { bytes });
  }

  /** At most maxAttachmentBytes (else BadResponse); a big one may need a longer `timeoutMs`. */
  async downloadAttachment(attachmentId: string, opts: RequestOptions = {}): Promise<Uint8Array> {
    return (
      await this.request('GET', `/v1/attachments/${enc(attachmentId)}`, {
        ...opts,
        maxBytes: this.maxAttachmentBytes,
      })
    ).body;
  }

  // ---------- health ----------

  async health(): Promise<'ok' | 'unavailable'> {
    return (await this.getJson(HealthResponseSchema, 'GET', '/healthz', { auth: false, accept: [503] }))
      .status;
  }

  // ---------- WebSocket ----------

  /** Opens the authenticated WebSocket (with automatic reconnect unless disabled). */
  connect(handlers: ConnectionHandlers = {}, opts: ConnectOptions = {}): RelayConnection {
    if (!this.credentials) throw new RelayError('Unauthorized', 'this client has no credentials');
    if (!this.wsCtor) throw new RelayError('NetworkError', 'no WebSocket implementation available');
    const wsUrl = this.url.replace(/^http/, 'ws') + '/v1/ws';
    return new RelayConnection(wsUrl, this.wsCtor, this.credentials, handlers, opts);
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

interface RequestShape extends RequestOptions {
  json?: unknown;
  bytes?: Uint8Array;
  auth?: boolean;
  accept?: number[];
  /** Limit of the answer's body when it is not the JSON limit (attachments). */
  maxBytes?: number;
}

/**
 * The deadline of one request: aborts the fetch (its signal) and, for a fetch that ignores the
 * signal, rejects every step awaited through race(). Timers and AbortController exist in browsers too.
 */
class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly aborted: Promise<never>;
  private rejectAborted: (e: RelayError) => void = () => undefined;
  /** Why the request was aborted (Timeout, or Closed by RelayClient.close()). */
  error: RelayError | undefined;

  constructor(
    ms: number,
    readonly what: string,
  ) {
    this.aborted = new Promise<never>((_, reject) => {
      this.rejectAborted = reject;
    });
    this.aborted.catch(() => undefined); // observed through race() only
    this.timer = setTimeout(
      () => this.abort(new RelayError('Timeout', `${what}: no complete answer within ${ms} ms`)),
      ms,
    );
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(e: RelayError): void {
    if (this.error) return;
    this.error = e;
    clearTimeout(this.timer);
    this.rejectAborted(e);
    this.controller.abort(e);
  }

  /** Drops the connection (an answer not read to its end), without an error of its own. */
  drop(): void {
    this.controller.abort();
  }

  race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.aborted]);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/**
 * Reads an answer's body, at most `limit` bytes: a larger one (by its Content-Length, or as it
 * streams in) is dropped unread and reported as BadResponse. A connection lost mid-body is a
 * NetworkError; the deadline's own error wins over both.
 */
async function readBody(res: FetchResponseLike, limit: number, deadline: Deadline): Promise<Uint8Array> {
  const tooLarge = () =>
    new RelayError('BadResponse', `${deadline.what}: answer larger than ${limit} bytes`, res.status);
  const lost = (e: unknown) =>
    deadline.error ??
    (e instanceof RelayError
      ? e
      : new RelayError('NetworkError', `${deadline.what}: answer cut off`, res.status));
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    deadline.drop();
    throw tooLarge();
  }
  if (!res.body) {
    let buf: Uint8Array;
    try {
      buf = new Uint8Array(await deadline.race(res.arrayBuffer()));
    } catch (e) {
      throw lost(e);
    }
    if (buf.length > limit) throw tooLarge();
    return buf;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let step: { done: boolean; value?: Uint8Array | undefined };
    try {
      step = await deadline.race(reader.read());
    } catch (e) {
      throw lost(e);
    }
    if (step.done) break;
    if (!step.value) continue;
    total += step.value.length;
    if (total > limit) {
      reader.cancel().catch(() => undefined);
      deadline.drop();
      throw tooLarge();
    }
    chunks.push(step.value);
  }
  return chunks.length === 1 ? chunks[0]! : concatChunks(chunks);
}

/** `{ value }` for a JSON body, undefined when it is not JSON. */
function parseJson(body: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(new TextDecoder().decode(body)) as unknown };
  } catch {
    return undefined;
  }
}

function throwFor(status: number, body: Uint8Array | undefined, what: string): never {
  const data = body === undefined ? undefined : parseJson(body)?.value;
  const parsed = parseUnknown(ErrorResponseSchema, data);
  if (parsed.ok) {
    throw new RelayError(parsed.value.error, `${what}: ${parsed.value.error}`, status, parsed.value);
  }
  throw new RelayError('BadResponse', `${what}: HTTP ${status}`, status);
}

/** Narrowing helper: is this a relay error code (vs. a client-side one like NetworkError)? */
export function isRelaySideError(err: unknown): boolean {
  return err instanceof RelayError && isRelayErrorCode(err.code);
}
