// The one way the positive controls touch a URL: plain http to a loopback host, with their own user
// agent, bounded by a timeout, and never anywhere else (a control must not become a real scanner).
import { request } from 'node:http';

/** localhost, 127.0.0.0/8 or ::1 (brackets allowed). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The URL when it is http on a loopback host; undefined for anything else, malformed included. */
export function loopbackHttp(url: string): URL | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && isLoopbackHost(u.hostname) ? u : undefined;
  } catch {
    return undefined;
  }
}

/** Sends one request and reads the answer away; resolves on completion, error or a 5 s timeout. */
export function probeLoopback(u: URL, method: 'GET' | 'HEAD', userAgent: string): Promise<void> {
  if (!isLoopbackHost(u.hostname) || u.protocol !== 'http:') return Promise.resolve();
  return new Promise<void>((resolve) => {
    const req = request(u, { method, headers: { 'User-Agent': userAgent }, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', resolve);
      res.on('error', () => resolve());
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve());
    req.end();
  });
}
