/**
 * Browser-test harness: Debian's Chromium driven by playwright-core (never a downloaded browser),
 * a real relay on 127.0.0.1:0 serving a built web root, and helpers that wait on conditions (never
 * on the clock).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  createScryptHasher,
  relayConfigSchema,
  silentLogger,
  startRelay,
  type RunningRelay,
} from '@sotto/relay';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
/** Generous: the machine is shared and scrypt/ML-KEM run in JS. Waits end as soon as the condition holds. */
export const WAIT_MS = 90_000;

export const WEB_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DIST = join(WEB_ROOT, 'dist');
export const ARTIFACTS = fileURLToPath(new URL('../../../../test-artifacts/web', import.meta.url));

/** Builds packages/web/dist when missing (npm install normally did). */
export function ensureBuilt(): void {
  if (existsSync(join(DIST, 'index.html'))) return;
  const r = spawnSync(process.execPath, [join(WEB_ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('web build failed');
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: WAIT_MS });
}

export interface WebRelay {
  relay: RunningRelay;
  url: string;
  close(): Promise<void>;
}

/** A real relay (SQLite in a temp dir) on 127.0.0.1:0 serving `webRoot` at `/`. */
export async function startWebRelay(webRoot = DIST): Promise<WebRelay> {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-web-relay-'));
  const config = relayConfigSchema.parse({
    host: '127.0.0.1',
    port: 0,
    dataDir: dir,
    logLevel: 'silent',
    webRoot,
    registrationsPerMinute: 1_000_000, // a suite registers many accounts in seconds
    registrationsPerAddressPerMinute: 1_000_000, // all of them from 127.0.0.1
  });
  const relay = await startRelay(config, {
    log: silentLogger,
    secretHasher: createScryptHasher({ N: 1024, r: 8, p: 1 }),
  });
  return {
    relay,
    url: relay.url,
    close: async () => {
      await relay.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every request a context makes, for "only the relay origin" and canary checks. */
export function recordRequests(ctx: BrowserContext): string[] {
  const seen: string[] = [];
  ctx.on('request', (r) => seen.push(r.url()));
  return seen;
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Saves `test-artifacts/web/NAME.png` (gitignored) and fails unless a real PNG was written. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  if (!readFileSync(path).subarray(0, 8).equals(PNG_MAGIC))
    throw new Error(`screenshot ${path} is not a PNG`);
}
