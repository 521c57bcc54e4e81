// Serves a directory of static files (the web client's build) at `/`, with strict security headers.
// Used when config.webRoot is set. No directory listings; paths that try to leave the root
// (`..`, encoded separators, NUL, symlinks pointing outside) are refused.
import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import type { StaticHandler } from './http-app.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

/** A Host header we are willing to echo into connect-src (host name or [v6], optional port). */
const SAFE_HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * The Content-Security-Policy for the web client: only same-origin script, style and fetch (plus
 * the relay's WebSocket on the same host), images from self or data: (QR codes), nothing else —
 * no inline script, no third-party origin, no framing, no forms, no <base>.
 */
export function webContentSecurityPolicy(host: string | undefined): string {
  const ws = host !== undefined && SAFE_HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${ws}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function webSecurityHeaders(host: string | undefined): Record<string, string> {
  return {
    'content-security-policy': webContentSecurityPolicy(host),
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    // The page never links to anything, but should a host name ever reach the DOM as a link, the
    // browser must not resolve it ahead of a click (a DNS lookup is a fetch of sorts).
    'x-dns-prefetch-control': 'off',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'x-frame-options': 'DENY',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
  };
}

/** Maps a URL path to a file path under root, or undefined when the path is not acceptable. */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const parts = decoded.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..' || p.startsWith('.'))) return undefined;
  const rel = parts.length === 0 ? 'index.html' : parts.join(sep);
  const full = resolve(root, rel);
  if (full !== root && !full.startsWith(root + sep)) return undefined;
  return full;
}

/** The relay's static-file handler for `webRoot`. */
export function createStaticHandler(webRoot: string): StaticHandler {
  const root = resolve(webRoot);
  let realRoot: Promise<string> | undefined;
  return async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const urlPath = (req.url ?? '/').split('?')[0]!;
    const file = resolveStaticPath(root, urlPath);
    if (file === undefined) return false;
    try {
      // The root first: a promise left unawaited while another await throws (a missing file) would
      // reject with no handler if the root cannot be resolved either, and end the process.
      const base = await (realRoot ??= realpath(root));
      const real = await realpath(file);
      if (real !== base && !real.startsWith(base + sep)) return false; // a symlink out of the root
      const info = await stat(real);
      if (!info.isFile()) return false; // directories are never listed
      const body = await readFile(real);
      const name = real.slice(base.length);
      const immutable = name.startsWith(`${sep}assets${sep}`); // content-hashed file names
      res.writeHead(200, {
        ...webSecurityHeaders(req.headers.host),
        'content-type': CONTENT_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
        'content-length': body.length,
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    } catch {
      return false; // missing or unreadable: the relay answers 404
    }
  };
}
