// Injected platform pieces (fetch, WebSocket) and device credentials, shared by the HTTP client and the connection.

// ---------- injected platform pieces ----------

export interface FetchResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | Uint8Array },
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
