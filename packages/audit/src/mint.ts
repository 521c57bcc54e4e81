// Issues tokens for one run: slots are allocated in order, every token (and decoy) is recorded in the
// registry before it can be sent anywhere.
import type { TokenRecord, TokenRegistry } from './registry.js';
import { MAX_SLOT, makeToken, tokenUrl } from './tokens.js';
import type { UrlForm } from './tokens.js';
import { AuditError } from './errors.js';

export class TokenMint {
  private nextSlot = 0;
  constructor(
    private readonly key: Uint8Array,
    readonly run: string,
    private readonly registry: TokenRegistry,
    private readonly base: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A fresh token recorded as intended for `channel` (or as a decoy that is never sent). */
  issue(channel: string, opts: { decoy?: boolean; form?: UrlForm } = {}): TokenRecord {
    if (this.nextSlot > MAX_SLOT)
      throw new AuditError('BadOption', `a run holds at most ${MAX_SLOT + 1} tokens`);
    const slot = this.nextSlot++;
    const token = makeToken(this.key, this.run, slot);
    const form = opts.form ?? (slot % 2 === 0 ? 'query' : 'path');
    const url = tokenUrl(this.base, token, form, slot);
    const decoy = opts.decoy ?? false;
    this.registry.issue(
      { token, run: this.run, slot, url, form, decoy, channel: decoy ? 'decoy' : channel },
      this.now(),
    );
    const rec = this.registry.get(token);
    if (rec === undefined) throw new AuditError('BadRecord', 'token not recorded');
    return rec;
  }
}
