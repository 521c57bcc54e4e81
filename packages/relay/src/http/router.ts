// A tiny exact-segment router: "/v1/keys/:accountId/:deviceId". No regexes from user input, no
// wildcards beyond one segment, so matching cost is bounded by the (fixed) route table.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Params = Record<string, string>;
export type Handler = (req: IncomingMessage, res: ServerResponse, params: Params) => Promise<void>;

interface Route {
  method: string;
  segments: string[];
  name: string;
  handler: Handler;
}

export type Match =
  { kind: 'found'; handler: Handler; params: Params; name: string } | { kind: 'method' } | { kind: 'none' };

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, segments: pattern.split('/').filter(Boolean), name: pattern, handler });
    return this;
  }

  match(method: string, pathname: string): Match {
    const parts = pathname.split('/').filter(Boolean);
    let methodMismatch = false;
    for (const r of this.routes) {
      if (r.segments.length !== parts.length) continue;
      const params: Params = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const seg = r.segments[i]!;
        const part = parts[i]!;
        if (seg.startsWith(':')) {
          let v: string;
          try {
            v = decodeURIComponent(part);
          } catch {
            ok = false;
            break;
          }
          params[seg.slice(1)] = v;
        } else if (seg !== part) ok = false;
      }
      if (!ok) continue;
      if (r.method !== method) {
        methodMismatch = true;
        continue;
      }
      return { kind: 'found', handler: r.handler, params, name: r.name };
    }
    return methodMismatch ? { kind: 'method' } : { kind: 'none' };
  }
}
