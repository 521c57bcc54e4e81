// The WebSocket endpoint: `ws` in noServer mode on the HTTP server's upgrade event, at /v1/ws only.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { endSocketWithError } from '../http/respond.js';
import { FrameBudget } from './frame-budget.js';
import { UnauthenticatedSlots } from './unauthenticated-slots.js';
import { WsSession } from './ws-session.js';
import type { SessionContext } from './ws-session.js';

export interface WsEndpoint {
  readonly sessions: ReadonlySet<WsSession>;
  /** Stops accepting, tells every client, waits for in-flight submits, closes sockets. */
  close(): Promise<void>;
}

/**
 * Raw bytes a socket may send before it has authenticated. An AUTH frame is under 200 bytes and
 * nothing else is accepted before authOk, so this only cuts off a socket that, unauthenticated,
 * sends a large frame: ws would otherwise buffer up to maxFrameBytes for it until the auth timeout,
 * and unauthenticated sockets cost an attacker nothing to open.
 */
export const PRE_AUTH_MAX_BYTES = 4096;

export function attachWebSocket(server: Server, ctx: SessionContext): WsEndpoint {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: ctx.config.maxFrameBytes,
    perMessageDeflate: false, // compression of ciphertext gains nothing and costs memory
    clientTracking: false,
  });
  // Handshakes ws itself refuses (Upgrade header, Sec-WebSocket-Key, subprotocol list): the same
  // JSON answer as ours instead of ws's text/html one.
  wss.on('wsClientError', (_err: Error, socket: Duplex) => endSocketWithError(socket, 'BadRequest'));
  const sessions = new Set<WsSession>();
  const frames = new FrameBudget(Math.max(ctx.config.maxFrameBytesInProgress, ctx.config.maxFrameBytes));
  // Sockets not yet authenticated, per remote address (IPv6 per /64): opening them costs an attacker
  // nothing, so one address cannot hold more than maxUnauthenticatedPerIp of them (a connection flood).
  const unauthenticated = new UnauthenticatedSlots(ctx.config.maxUnauthenticatedPerIp);
  let closing = false;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const path = (req.url ?? '').split('?')[0];
    // Node hands every request with an Upgrade header here (h2c too), whatever its path.
    if (path !== '/v1/ws') return endSocketWithError(socket, 'NotFound');
    if (req.method !== 'GET') return endSocketWithError(socket, 'MethodNotAllowed');
    const version = req.headers['sec-websocket-version'];
    // RFC 6455 §4.4: a version we do not speak is answered with the ones we do.
    if (version !== '13' && version !== '8')
      return endSocketWithError(socket, 'BadRequest', 'Sec-WebSocket-Version: 13, 8\r\n');
    if (closing) return endSocketWithError(socket, 'ShuttingDown');
    if (sessions.size >= ctx.config.maxConnections) {
      ctx.metrics.framesRejected.inc({ code: 'TooManyConnections' });
      return endSocketWithError(socket, 'TooManyConnections');
    }
    const settle = unauthenticated.take(req.socket.remoteAddress);
    if (settle === null) {
      ctx.metrics.framesRejected.inc({ code: 'TooManyConnections' });
      return endSocketWithError(socket, 'TooManyConnections');
    }
    socket.once('close', settle);
    wss.handleUpgrade(req, socket, head, (ws) => {
      ctx.metrics.wsConnections.inc();
      const session = new WsSession(
        ws,
        ctx,
        (s) => {
          settle();
          if (sessions.delete(s)) ctx.metrics.wsConnections.dec();
        },
        req.socket,
      );
      // Bytes read from the socket, counted before ws parses them: for the budget of frames in
      // progress (the session reports each completed frame), and, until AUTH succeeds, against
      // PRE_AUTH_MAX_BYTES (-1 once authenticated).
      let preAuthBytes = 0;
      const meter = frames.meter(() => {
        ctx.metrics.framesRejected.inc({ code: 'RateLimited' });
        ws.terminate(); // no close handshake: it would keep reading the frame
      });
      session.frameMeter = meter;
      socket.prependListener('data', (chunk: Buffer) => {
        meter.received(chunk.length);
        if (preAuthBytes < 0) return;
        preAuthBytes += chunk.length;
        if (preAuthBytes <= PRE_AUTH_MAX_BYTES) return;
        preAuthBytes = -1;
        ctx.metrics.framesRejected.inc({ code: 'FrameTooLarge' });
        ws.terminate();
      });
      session.onAuthenticated = () => {
        preAuthBytes = -1;
        settle();
      };
      sessions.add(session);
    });
  });

  return {
    sessions,
    async close() {
      closing = true;
      const deadline = Date.now() + 5000;
      // Let submits already being written finish (their senders then get their result).
      while ([...sessions].some((s) => s.busy) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      for (const s of [...sessions]) s.shutdown();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
