// The small HTTP servers the positive controls run (the Skype-like relay, the reputation service):
// on 127.0.0.1 only, an ephemeral port, request bodies bounded, URLs found in text the same way.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the controls treat as a link in a message: an http(s) URL up to whitespace or a quote. */
export const URL_IN_TEXT = /https?:\/\/[^\s<>"']+/g;

/**
 * A request handler that gets the whole body, or null when it exceeded `maxBody` (the rest is read
 * away and dropped, so an oversized upload costs no memory).
 */
export type BodyHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer | null) => void;

/** Starts an HTTP server on 127.0.0.1 at an ephemeral port; resolves once it listens. */
export async function startLoopbackServer(maxBody: number, onRequest: BodyHandler): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= maxBody) chunks.push(c);
    });
    req.on('end', () => onRequest(req, res, size <= maxBody ? Buffer.concat(chunks) : null));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** The base URL of a server started by startLoopbackServer. */
export function loopbackUrl(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Stops accepting, drops keep-alive connections, and resolves once the server is closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
