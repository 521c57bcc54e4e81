// Typed, isomorphic client for the whole relay API. HTTP goes through an injected fetch, the WebSocket
// through an injected constructor with the browser WebSocket shape (Node 20 has none: pass `ws`).
// Every response is schema-checked: a relay is untrusted input too.
import { fromBase64, toBase64 } from './bytes.js';
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
}

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

  constructor(opts: RelayClientOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    const globalFetch = (globalThis as { fetch?: FetchLike }).fetch;
    this.fetchImpl = opts.fetch ?? globalFetch?.bind(globalThis);
    this.wsCtor = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
    this.credentials = opts.credentials;
  }

  /** A client for the same relay acting as the given device. */
  withCredentials(credentials: Credentials): RelayClient {
    return new RelayClient({
      url: this.url,
      ...(this.fetchImpl ? { fetch: this.fetchImpl } : {}),
      ...(this.wsCtor ? { WebSocket: this.wsCtor } : {}),
      credentials,
    });
  }

  // ---------- HTTP plumbing ----------

  private async request(
    method: string,
    path: string,
    opts: { json?: unknown; bytes?: Uint8Array; auth?: boolean; accept?: number[] } = {},
  ): Promise<{ status: number; res: FetchResponseLike }> {
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
    let res: FetchResponseLike | undefined;
    // A request that never got an answer is sent once more, unless it is a POST: GET/PUT/DELETE are
    // safe to repeat here (PUT /v1/messages is deduplicated by envelope id), and the usual cause is a
    // pooled keep-alive connection the server closed just as it was reused, or a moment of overload.
    const attempts = method === 'POST' ? 1 : 2;
    for (let attempt = 1; res === undefined; attempt++) {
      try {
        res = await this.fetchImpl(this.url + path, {
          method,
          headers,
          ...(body !== undefined ? { body } : {}),
        });
      } catch {
        if (attempt >= attempts) throw new RelayError('NetworkError', `${method} ${path}: relay unreachable`);
        await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
      }
    }
    const ok = res.status >= 200 && res.status < 300;
    if (!ok && !(opts.accept ?? []).includes(res.status)) await throwFor(res, method, path);
    return { status: res.status, res };
  }

  private async getJson<T>(
    schema: z.ZodType<T>,
    method: string,
    path: string,
    opts: { json?: unknown; bytes?: Uint8Array; auth?: boolean; accept?: number[] } = {},
  ): Promise<T> {
    const { res } = await this.request(method, path, opts);
    let data: unknown;
    try {
      data = await res.json();
    } catch {
      throw new RelayError('BadResponse', `${method} ${path}: body is not JSON`, res.status);
    }
    const parsed = parseUnknown(schema, data);
    if (!parsed.ok) throw new RelayError('BadResponse', `${method} ${path}: ${parsed.issues}`, res.status);
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

  async getAccount(accountId: string): Promise<AccountInfo> {
    const r = await this.getJson(AccountResponseSchema, 'GET', `/v1/accounts/${enc(accountId)}`);
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

  async downloadAttachment(attachmentId: string): Promise<Uint8Array> {
    const { res } = await this.request('GET', `/v1/attachments/${enc(attachmentId)}`);
    return new Uint8Array(await res.arrayBuffer());
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

async function throwFor(res: FetchResponseLike, method: string, path: string): Promise<never> {
  let data: unknown;
  try {
    data = await res.json();
  } catch {
    data = undefined;
  }
  const parsed = parseUnknown(ErrorResponseSchema, data);
  if (parsed.ok) {
    throw new RelayError(
      parsed.value.error,
      `${method} ${path}: ${parsed.value.error}`,
      res.status,
      parsed.value,
    );
  }
  throw new RelayError('BadResponse', `${method} ${path}: HTTP ${res.status}`, res.status);
}

/** Narrowing helper: is this a relay error code (vs. a client-side one like NetworkError)? */
export function isRelaySideError(err: unknown): boolean {
  return err instanceof RelayError && isRelayErrorCode(err.code);
}
