// /healthz (a real database round trip) and /metrics (counts only).
import type { AppContext } from '../app-context.js';
import { sendJson } from '../http/respond.js';
import type { Router } from '../http/router.js';

export function addOpsRoutes(r: Router, ctx: AppContext): void {
  r.add('GET', '/healthz', async (_req, res) => {
    const ok = await ctx.store.ping().catch(() => false);
    sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable' });
  });

  r.add('GET', '/metrics', async (_req, res) => {
    const text = await ctx.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType, 'cache-control': 'no-store' });
    res.end(text);
  });
}
