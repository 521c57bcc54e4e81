// startRelay: one process, one port — node:http for the JSON API plus `ws` on /v1/ws — over a store.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RelayConfig } from './config.js';
import type { AppContext } from './app-context.js';
import { CredentialCache } from './auth/credential-cache.js';
import { DeviceAuthenticator } from './auth/device-authenticator.js';
import { createScryptHasher } from './auth/secret-hash.js';
import type { SecretHasher } from './auth/secret-hash.js';
import { BodyBudget, JSON_BODY_BUDGET_FACTOR, UPLOAD_BUDGET_FACTOR } from './http/body-budget.js';
import { createHttpApp } from './http/http-app.js';
import { endSocketWithError } from './http/respond.js';
import type { StaticHandler } from './http/http-app.js';
import { createStaticHandler } from './http/static-files.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { createMailbox } from './mailbox/submit.js';
import { createMetrics } from './metrics.js';
import { memoryRateLimits } from './rate-limit.js';
import type { RelayStore } from './relay-store.js';
import { openRelayStore } from './store-adapter.js';
import type { Stores } from './store-adapter.js';
import { startSweeper } from './sweeper.js';
import { startSessionRecheck } from './ws/session-recheck.js';
import type { DeviceHub, RecheckTally } from './ws/device-hub.js';
import { attachWebSocket } from './ws/ws-server.js';
import { BusDeviceHub } from './bus/bus-device-hub.js';
import { openDeliveryBus } from './bus/open-bus.js';
import type { DeliveryBus } from './bus/ports.js';
import { openPostgresStore } from './store/postgres/open-postgres-store.js';
import type { PostgresRelayStores } from './store/postgres/open-postgres-store.js';

export interface RelayDeps {
  /** Injected clock (ms since epoch) for TTLs, timestamps and rate limits. */
  now?: () => number;
  log?: Logger;
  /** R3's storage ports; default: the SQLite adapter in config.dataDir. */
  store?: Stores;
  /** Lower-level seam for tests: a RelayStore implementation used as is. */
  relayStore?: RelayStore;
  /** Files at `/` (web client). */
  serveStatic?: StaticHandler;
  /** Device-secret hashing (tests and benchmarks may pass cheaper scrypt parameters). */
  secretHasher?: SecretHasher;
  /** Unacked DELIVER frames per connection (default 100, as Signal-Server). */
  inFlightWindow?: number;
  /** How long pushes may wait on a full outbound buffer before a slow reader is cut (default 10 s). */
  slowReaderMs?: number;
  /** Sweeper period in ms (default 60 s). */
  sweepIntervalMs?: number;
  /** Delivery-hint bus (issue 8); default: from config.busUrl, else LISTEN/NOTIFY on config.databaseUrl, else in-process. Closed by the caller. */
  bus?: DeliveryBus;
}

export interface RunningRelay {
  url: string;
  host: string;
  port: number;
  /** Graceful: stop accepting, let in-flight writes finish, close sockets, close the store. */
  close(): Promise<void>;
  /** Runs the TTL sweeper once (tests move the injected clock, then call this). */
  sweepNow(): Promise<{ envelopes: number; attachments: number }>;
  /** Checks every connected device's credential now (what the sessionRecheckSeconds timer does). */
  recheckSessionsNow(): Promise<RecheckTally>;
}

export async function startRelay(config: RelayConfig, deps: RelayDeps = {}): Promise<RunningRelay> {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? createLogger(config.logLevel);
  const metrics = createMetrics(true);
  // Scale-out (issue 8): PostgreSQL when config.databaseUrl is set, else SQLite in config.dataDir.
  const ports =
    deps.store ??
    (config.databaseUrl !== undefined ? await openPostgresStore(config.databaseUrl) : undefined);
  const store = deps.relayStore ?? (await openRelayStore(config, ports));
  // Claim limits live with the store: in the database, shared by every node, when it is PostgreSQL.
  const rateLimits = (ports as Partial<PostgresRelayStores> | undefined)?.rateLimits ?? memoryRateLimits();
  const ownBus = deps.bus === undefined;
  // A start-up that fails after the store is open closes it again (and its pool or file), so a caller
  // that handles the error is not left with a live database connection keeping the process up.
  const bus =
    deps.bus ??
    (await openDeliveryBus(config.busUrl ?? config.databaseUrl).catch(async (err: unknown) => {
      await store.close().catch(() => undefined);
      throw err;
    }));
  const hub: DeviceHub = new BusDeviceHub(
    bus,
    async (d) => (await store.getDevice(d.accountId, d.deviceId))?.secretHash ?? null,
  );
  const auth = new DeviceAuthenticator(
    store,
    deps.secretHasher ?? createScryptHasher(),
    new CredentialCache(100_000, 10 * 60_000, now),
  );
  const mailbox = createMailbox({
    store,
    hub,
    metrics,
    now,
    messageTtlMs: config.messageTtlSeconds * 1000,
  });
  const ctx: AppContext = {
    config,
    store,
    now,
    log,
    metrics,
    auth,
    mailbox,
    claimsByRequester: rateLimits.limiter('claims-requester', config.bundleClaimsPerRequesterPerMinute, now),
    claimsByTarget: rateLimits.limiter('claims-target', config.bundleClaimsPerTargetPerMinute, now),
    lookupsByRequester: rateLimits.limiter('lookups-requester', config.lookupsPerRequesterPerMinute, now),
    registrations: rateLimits.limiter('registrations', config.registrationsPerMinute, now),
    // Never the shared store: its buckets are rows in PostgreSQL, and addresses are not to be written.
    registrationsByAddress:
      config.registrationsPerAddressPerMinute === 0
        ? undefined
        : memoryRateLimits().limiter('registrations-address', config.registrationsPerAddressPerMinute, now),
    jsonBodies: new BodyBudget(config.maxBodyBytes, JSON_BODY_BUDGET_FACTOR * config.maxBodyBytes),
    uploads: new BodyBudget(config.attachmentMaxBytes, UPLOAD_BUDGET_FACTOR * config.attachmentMaxBytes),
    onDeviceRemoved: (accountId, deviceId) => hub.disconnect({ accountId, deviceId }),
  };

  const serveStatic =
    deps.serveStatic ?? (config.webRoot !== undefined ? createStaticHandler(config.webRoot) : undefined);
  const handle = createHttpApp(ctx, serveStatic);
  const server = createServer(
    { requestTimeout: 60_000, headersTimeout: 15_000, keepAliveTimeout: 5_000, maxHeaderSize: 16 * 1024 },
    (req, res) => void handle(req, res),
  );
  // Requests Node's parser refuses (bad request line, conflicting lengths, headers over 16 KiB) get
  // the documented code too (docs/errors.md), never Node's bare status line.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) endSocketWithError(socket, 'BadRequest');
    else socket.destroy();
  });
  const ws = attachWebSocket(server, {
    config,
    now,
    log,
    metrics,
    mailbox,
    hub,
    authenticate: (a, d, s) => auth.verify(a, d, s),
    inFlightWindow: deps.inFlightWindow ?? 100,
    slowReaderMs: deps.slowReaderMs ?? 10_000,
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // EADDRINUSE, EACCES, EADDRNOTAVAIL: nothing is listening, so undo what was opened.
    await ws.close();
    (hub as BusDeviceHub).detach();
    if (ownBus) await bus.close();
    await store.close().catch(() => undefined);
    throw err;
  }
  const sweeper = startSweeper(store, now, log, metrics, deps.sweepIntervalMs);
  const recheck = startSessionRecheck(hub, log, metrics, config.sessionRecheckSeconds * 1000);
  const { port } = server.address() as AddressInfo;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${hostForUrl}:${port}`;
  log.info('relay_listening', { host: config.host, port });

  let closing: Promise<void> | undefined;
  return {
    url,
    host: config.host,
    port,
    sweepNow: () => sweeper.sweepNow(),
    recheckSessionsNow: () => recheck.recheckNow(),
    close() {
      closing ??= (async () => {
        const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await recheck.stop();
        await ws.close();
        (hub as BusDeviceHub).detach();
        if (ownBus) await bus.close();
        server.closeIdleConnections();
        const grace = setTimeout(() => server.closeAllConnections(), 5000);
        await httpClosed;
        clearTimeout(grace);
        await sweeper.stop();
        await store.close();
        log.info('relay_closed');
      })();
      return closing;
    },
  };
}
