import type { ServerResponse } from 'node:http';
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
