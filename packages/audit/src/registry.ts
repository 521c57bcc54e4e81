// The durable token registry: tokens.jsonl in the audit directory, one fsync'd line per event
// ("issued" when generated, "sent" when it went through a channel). Decoys are issued, never sent.
import { join } from 'node:path';
import { z } from 'zod';
import { JsonlLog, readJsonl } from './jsonl.js';
import type { UrlForm } from './tokens.js';

export const TOKENS_FILE = 'tokens.jsonl';

const issuedSchema = z.strictObject({
  event: z.literal('issued'),
  token: z.string().regex(/^[a-z2-7]{36}$/),
  run: z.string(),
  slot: z.number().int(),
  url: z.string(),
  form: z.enum(['path', 'query']),
  decoy: z.boolean(),
  channel: z.string(),
  at: z.string(),
});
const sentSchema = z.strictObject({
  event: z.literal('sent'),
  token: z.string().regex(/^[a-z2-7]{36}$/),
  channel: z.string(),
  at: z.string(),
});
const eventSchema = z.discriminatedUnion('event', [issuedSchema, sentSchema]);
export type RegistryEvent = z.infer<typeof eventSchema>;

/** One token as the report needs it: what it was, where it was sent, when. */
export interface TokenRecord {
  readonly token: string;
  readonly run: string;
  readonly slot: number;
  readonly url: string;
  readonly form: UrlForm;
  readonly decoy: boolean;
  readonly channel: string;
  readonly issuedAt: string;
  readonly sentAt: string | undefined;
}

export class TokenRegistry {
  private readonly log: JsonlLog;
  private readonly tokens = new Map<string, TokenRecord>();
  readonly badLines: number;

  constructor(dir: string) {
    const path = join(dir, TOKENS_FILE);
    const { records, bad } = readJsonl(path, (v) => {
      const r = eventSchema.safeParse(v);
      return r.success ? r.data : undefined;
    });
    this.badLines = bad;
    for (const e of records) this.apply(e);
    this.log = new JsonlLog(path);
  }

  private apply(e: RegistryEvent): void {
    if (e.event === 'issued') {
      this.tokens.set(e.token, {
        token: e.token,
        run: e.run,
        slot: e.slot,
        url: e.url,
        form: e.form,
        decoy: e.decoy,
        channel: e.channel,
        issuedAt: e.at,
        sentAt: undefined,
      });
    } else {
      const t = this.tokens.get(e.token);
      if (t) this.tokens.set(e.token, { ...t, channel: e.channel, sentAt: e.at });
    }
  }

  private record(e: RegistryEvent): void {
    this.log.append(e);
    this.apply(e);
  }

  issue(t: Omit<TokenRecord, 'sentAt' | 'issuedAt'>, at: Date): void {
    this.record({ event: 'issued', ...t, at: at.toISOString() });
  }

  markSent(token: string, channel: string, at: Date): void {
    this.record({ event: 'sent', token, channel, at: at.toISOString() });
  }

  get(token: string): TokenRecord | undefined {
    return this.tokens.get(token);
  }

  all(): TokenRecord[] {
    return [...this.tokens.values()];
  }

  close(): void {
    this.log.close();
  }
}
