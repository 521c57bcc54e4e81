import type { IncomingMessage } from 'node:http';
import type { AppContext } from '../app-context.js';
import type { DeviceRef } from '../mailbox/mailbox.js';
import { parseBasicAuth } from './basic-auth.js';
import { RelayHttpError } from './relay-http-error.js';

/** Authenticates the request's Basic credentials; throws Unauthorized (401) otherwise. */
export async function requireDevice(ctx: AppContext, req: IncomingMessage): Promise<DeviceRef> {
  const creds = parseBasicAuth(req.headers['authorization']);
  if (!creds) {
    ctx.metrics.authFailures.inc();
    throw new RelayHttpError('Unauthorized');
  }
  const outcome = await ctx.auth.check(creds.accountId, creds.deviceId, creds.secret);
  creds.secret.fill(0);
  if (outcome === 'busy') throw new RelayHttpError('RateLimited', 'too many logins in progress');
  if (outcome !== 'ok') {
    ctx.metrics.authFailures.inc();
    throw new RelayHttpError('Unauthorized');
  }
  return { accountId: creds.accountId, deviceId: creds.deviceId };
}
