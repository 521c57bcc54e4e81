// /healthz (a real database round trip) and /metrics (counts only), for GET and HEAD.
import type { AppContext } from '../app-context.js';
import { sendJson } from '../http/respond.js';
import type { Handler, Router } from '../http/router.js';

export function addOpsRoutes(r: Router, ctx: AppContext): void {
  const healthz: Handler = async (_req, res) => {
    const ok = await ctx.store.ping().catch(() => false);
    sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable' });
  };
  const metrics: Handler = async (_req, res) => {
    const text = await ctx.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType, 'cache-control': 'no-store' });
    res.end(text);
  };
  // HEAD as well: load balancers and uptime checkers probe with it (Node sends no body for HEAD).
  // Only here: a GET elsewhere may have an effect (a bundle fetch claims one-time prekeys).
  for (const method of ['GET', 'HEAD']) r.add(method, '/healthz', healthz).add(method, '/metrics', metrics);
}
