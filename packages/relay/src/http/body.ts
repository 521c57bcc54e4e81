// Request bodies: read with a hard byte cap (stop reading and answer 413 as soon as it is exceeded),
// then JSON.parse + schema validation. Nothing from the body is trusted before the schema passed.
import type { IncomingMessage } from 'node:http';
import { concatChunks, parseUnknown } from '@sotto/wire';
import type { z } from 'zod';
import type { BodyBudget } from './body-budget.js';
import { RelayHttpError } from './relay-http-error.js';

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) throw new RelayHttpError('BodyTooLarge');
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) throw new RelayHttpError('BodyTooLarge');
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof RelayHttpError) throw err;
    // The client went away mid-body ('aborted'): its fault, not a relay failure (Internal).
    throw new RelayHttpError('BadRequest', 'the request body was cut off');
  }
  return concatChunks(chunks);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a JSON body within `budget` (its per-request limit and its share of all bodies in progress). */
export async function readJson<T>(
  req: IncomingMessage,
  schema: z.ZodType<T>,
  budget: BodyBudget,
): Promise<T> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    throw new RelayHttpError('UnsupportedMediaType', 'expected application/json');
  const bytes = await budget.with(req, () => readBody(req, budget.maxBytes));
  let data: unknown;
  try {
    data = JSON.parse(utf8.decode(bytes));
  } catch {
    throw new RelayHttpError('BadRequest', 'body is not valid UTF-8 JSON');
  }
  const parsed = parseUnknown(schema, data);
  if (!parsed.ok) throw new RelayHttpError('BadRequest', parsed.issues);
  return parsed.value;
}
