// Printing the configuration must never print a credential: URL user-info and query values are
// masked, and any key that looks like a secret is replaced outright.
import { RELAY_CONFIG_URL_KEYS } from './config-schema.js';
import type { RelayConfig, RelayConfigKey } from './config-schema.js';

export const REDACTED = 'REDACTED';

const SECRET_NAME = /secret|password|passwd|token|credential|apikey|api_key|private/i;

/** A copy of the config fit for printing or logging (`sotto relay --print-config`). */
export function redactConfig(config: RelayConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (SECRET_NAME.test(key)) out[key] = REDACTED;
    else if (RELAY_CONFIG_URL_KEYS.includes(key as RelayConfigKey) && typeof value === 'string') {
      out[key] = redactUrl(value);
    } else out[key] = value;
  }
  return out;
}

/** Masks user name, password and every query value; an unparsable URL is masked whole. */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return REDACTED;
  }
  if (url.username !== '') url.username = REDACTED;
  if (url.password !== '') url.password = REDACTED;
  const names = [...new Set(url.searchParams.keys())];
  for (const name of names) url.searchParams.set(name, REDACTED);
  return url.toString();
}
