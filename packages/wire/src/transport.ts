// Injected platform pieces (fetch, WebSocket) and device credentials, shared by the HTTP client and the connection.

// ---------- injected platform pieces ----------

/** The reader of a response body stream (what `ReadableStream.getReader()` returns). */
export interface ByteReaderLike {
  read(): Promise<{ done: boolean; value?: Uint8Array | undefined }>;
  cancel(reason?: unknown): Promise<void>;
}
export interface FetchResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  /**
   * The body as a stream (fetch in browsers and Node has it): the client reads it chunk by chunk and
   * stops at its size limit. Without it the client falls back to arrayBuffer() and checks afterwards.
   */
  body?: { getReader(): ByteReaderLike } | null;
  arrayBuffer(): Promise<ArrayBuffer>;
}
export type FetchLike = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string | Uint8Array;
    /** Aborted when the request's deadline passes or the client is closed. */
    signal?: AbortSignal;
  },
) => Promise<FetchResponseLike>;

/** The subset of the browser WebSocket API the client uses (the `ws` package implements it). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketCtor = new (url: string) => WebSocketLike;

export interface Credentials {
  accountId: string;
  deviceId: number;
  /** The 32-byte device secret chosen at registration. */
  secret: Uint8Array;
}
