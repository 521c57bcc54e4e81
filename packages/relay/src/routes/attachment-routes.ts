// Encrypted attachment blobs: random ids (the id is a capability), a size cap, and expiry.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AttachmentIdSchema } from '@sotto/wire';
import type { AttachmentCreatedResponse } from '@sotto/wire';
import type { AppContext } from '../app-context.js';
import { readBody } from '../http/body.js';
import { RelayHttpError } from '../http/relay-http-error.js';
import { requireDevice } from '../http/require-device.js';
import { sendBytes, sendJson } from '../http/respond.js';
import type { Router } from '../http/router.js';

async function receiveAttachment(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req, ctx.config.attachmentMaxBytes).catch((err: unknown) => {
    if (err instanceof RelayHttpError && err.code === 'BodyTooLarge')
      throw new RelayHttpError('AttachmentTooLarge');
    throw err;
  });
  const attachmentId = randomBytes(16).toString('hex');
  const expiresAt = ctx.now() + ctx.config.attachmentTtlSeconds * 1000;
  if (
    !(await ctx.store.putAttachment(attachmentId, body, ctx.now(), expiresAt, ctx.config.attachmentMaxBytes))
  ) {
    throw new RelayHttpError('AttachmentTooLarge');
  }
  ctx.metrics.attachmentsStored.inc();
  const out: AttachmentCreatedResponse = { attachmentId, expiresAt };
  sendJson(res, 200, out);
}

export function addAttachmentRoutes(r: Router, ctx: AppContext): void {
  r.add('POST', '/v1/attachments', async (req, res) => {
    await requireDevice(ctx, req);
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/octet-stream') throw new RelayHttpError('UnsupportedMediaType');
    await ctx.uploads.with(req, () => receiveAttachment(ctx, req, res));
  });

  r.add('GET', '/v1/attachments/:attachmentId', async (req, res, p) => {
    await requireDevice(ctx, req);
    const id = p['attachmentId'] ?? '';
    if (!AttachmentIdSchema.safeParse(id).success) throw new RelayHttpError('AttachmentNotFound');
    const blob = await ctx.store.getAttachment(id, ctx.now());
    if (!blob) throw new RelayHttpError('AttachmentNotFound');
    sendBytes(res, 200, blob, 'application/octet-stream');
  });
}
