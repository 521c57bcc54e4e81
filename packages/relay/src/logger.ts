// A metadata-minimal logger: structured lines with an event name and counts. Callers pass only
// non-identifying fields (never ids that could pair a sender with a recipient, never IPs or secrets);
// the field allow-list below enforces that for anything that slips through.
import type { LogLevel } from './config.js';

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** Only these keys are ever written; anything else is dropped (defence against accidental leaks). */
const ALLOWED = new Set([
  'host',
  'port',
  'code',
  'count',
  'ms',
  'bytes',
  'reason',
  'status',
  'route',
  'connections',
  'deleted',
  'url',
  'webRoot',
  'dataDir',
]);

export type LogFields = Record<string, string | number | boolean>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Writes JSON lines to the given sink (stderr by default) at or above `level`. */
export function createLogger(
  level: LogLevel,
  sink: (line: string) => void = (l) => process.stderr.write(l + '\n'),
  now: () => number = Date.now,
): Logger {
  const min = RANK[level];
  const write = (lvl: Exclude<LogLevel, 'silent'>, event: string, fields?: LogFields) => {
    if (RANK[lvl] < min) return;
    const safe: LogFields = {};
    for (const [k, v] of Object.entries(fields ?? {})) if (ALLOWED.has(k)) safe[k] = v;
    sink(JSON.stringify({ t: new Date(now()).toISOString(), level: lvl, event, ...safe }));
  };
  return {
    debug: (e, f) => write('debug', e, f),
    info: (e, f) => write('info', e, f),
    warn: (e, f) => write('warn', e, f),
    error: (e, f) => write('error', e, f),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
