import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HTTP_STATUS } from '@sotto/wire';
import type { RelayErrorCode } from '@sotto/wire';

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendBytes(res: ServerResponse, status: number, body: Uint8Array, contentType: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': contentType, 'content-length': body.length });
  res.end(body);
}

export function sendEmpty(res: ServerResponse, status = 204): void {
  res.writeHead(status, SECURITY_HEADERS);
  res.end();
}

/** `{ error: code, message?, ...details }` with the documented status (docs/errors.md). */
export function sendError(
  res: ServerResponse,
  code: RelayErrorCode,
  message?: string,
  details?: Record<string, unknown>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, HTTP_STATUS[code], {
    ...details,
    error: code,
    ...(message && message !== code ? { message } : {}),
  });
}

/**
 * The same JSON error, written by hand on a socket that has no ServerResponse: a refused WebSocket
 * upgrade, or a request Node's parser rejected. The socket is released once the answer is out:
 * no HTTP timeout guards it any more, and a client that never closes its side would hold it open.
 */
export function endSocketWithError(socket: Duplex, code: RelayErrorCode, extraHeaders = ''): void {
  const status = HTTP_STATUS[code];
  const body = JSON.stringify({ error: code });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n${extraHeaders}` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
