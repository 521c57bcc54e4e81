// The HTTP request handler: route, run, and turn every failure into a documented error code. A
// handler that throws something unexpected yields 500 Internal for that request only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '../app-context.js';
import { addAccountRoutes } from '../routes/account-routes.js';
import { addAttachmentRoutes } from '../routes/attachment-routes.js';
import { addKeyRoutes } from '../routes/key-routes.js';
import { addMessageRoutes } from '../routes/message-routes.js';
import { addOpsRoutes } from '../routes/ops-routes.js';
import { RelayHttpError } from './relay-http-error.js';
import { sendError } from './respond.js';
import { Router } from './router.js';
import { storeUnavailableCode } from './store-unavailable.js';

/**
 * Extension point for serving files at `/` (the web client issue). Called for GET/HEAD requests
 * outside the API; return true when the request was answered.
 */
export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function createHttpApp(ctx: AppContext, serveStatic?: StaticHandler) {
  const router = new Router();
  addOpsRoutes(router, ctx);
  addAccountRoutes(router, ctx);
  addKeyRoutes(router, ctx);
  addMessageRoutes(router, ctx);
  addAttachmentRoutes(router, ctx);

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let route = 'unmatched';
    try {
      const method = req.method ?? 'GET';
      const pathname = (req.url ?? '/').split('?')[0]!;
      if (pathname.length > 512) throw new RelayHttpError('NotFound');
      const m = router.match(method, pathname);
      if (m.kind === 'found') {
        route = m.name;
        await m.handler(req, res, m.params);
      } else if (
        m.kind === 'none' &&
        serveStatic &&
        (method === 'GET' || method === 'HEAD') &&
        !pathname.startsWith('/v1/') &&
        (await serveStatic(req, res))
      ) {
        route = 'static';
      } else {
        throw new RelayHttpError(m.kind === 'method' ? 'MethodNotAllowed' : 'NotFound');
      }
    } catch (err) {
      if (err instanceof RelayHttpError) {
        sendError(res, err.code, err.code === 'Internal' ? undefined : err.message, err.details);
      } else {
        const unavailable = storeUnavailableCode(err);
        if (unavailable !== undefined) {
          ctx.log.warn('store_unavailable', { route, code: unavailable });
          sendError(res, 'Unavailable');
        } else {
          ctx.log.error('http_handler_failed', { route });
          sendError(res, 'Internal');
        }
      }
    } finally {
      ctx.metrics.httpRequests.inc({ route, status: String(res.statusCode) });
      // Drain any unread body so keep-alive connections stay usable (bounded by the socket timeout).
      if (!req.complete) req.resume();
    }
  };
}
