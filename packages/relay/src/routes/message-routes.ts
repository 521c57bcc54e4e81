// PUT /v1/messages/{accountId}: the HTTP equivalent of the SUBMIT frame (same checks, same result).
import { SubmitRequestSchema } from '@sotto/wire';
import type { SubmitEnvelope } from '@sotto/wire';
import type { AppContext } from '../app-context.js';
import { readJson } from '../http/body.js';
import { RelayHttpError } from '../http/relay-http-error.js';
import { requireDevice } from '../http/require-device.js';
import { sendJson } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { accountIdParam, bytes } from './decode.js';

export function addMessageRoutes(r: Router, ctx: AppContext): void {
  r.add('PUT', '/v1/messages/:accountId', async (req, res, p) => {
    const me = await requireDevice(ctx, req);
    const recipient = accountIdParam(p['accountId']);
    const body = await readJson(req, SubmitRequestSchema, ctx.jsonBodies);
    const envelopes: SubmitEnvelope[] = body.envelopes.map((e) => ({
      deviceId: e.deviceId,
      registrationId: e.registrationId,
      envelopeId: bytes(e.envelopeId),
      envelopeType: e.envelopeType,
      content: bytes(e.content),
    }));
    const result = await ctx.mailbox.submit(me, recipient, envelopes);
    if (result.error === 'MismatchedDevices') return sendJson(res, 409, result);
    if (result.error === 'StaleDevices') return sendJson(res, 410, result);
    if (result.error) throw new RelayHttpError(result.error);
    sendJson(res, 200, result);
  });
}
