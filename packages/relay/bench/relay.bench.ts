// The relay benchmark (../../shared/BENCH.md): `npm run bench -w @sotto/relay [-- --json] [-- --quick]`.
//   durable-e2e            msgs/s send → durable commit → push → ack → delete, 100 sender/receiver
//                          pairs, bounded in-flight window; baseline: a bare `ws` forwarder (no storage,
//                          one write per frame) in the same run, interleaved rounds; also, as a stricter
//                          second ceiling, the same forwarder coalescing its writes per turn like the
//                          relay (`strict_*` fields); p50/p99 latency at half the peak load (medians
//                          of per-round percentiles over interleaved relay/forwarder rounds).
//   durable-e2e-postgres   the same through one relay node on PostgreSQL (issue 8).
//   durable-e2e-2nodes     the same through two relay nodes sharing PostgreSQL and a Redis bus, senders
//                          on node 1 and receivers on node 2: every message crosses the bus.
//   idle-connection-bytes  relay process memory per idle authenticated WebSocket at 10,000.
// Servers run as child processes: the clients must not share (or be measured in) the relay's heap.
// PostgreSQL (durable settings: fsync and synchronous_commit on) and redis-server are throwaway
// instances on loopback from @sotto/testkit, started only when a result needs them, removed at the end.
// `--quick` is a smoke run (few pairs, short rounds) that checks the bench works, not a measurement.
// `--only NAME[,NAME]` runs some results. Progress goes to stderr; with --json stdout carries exactly
// one JSON object.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, startRedis } from '@sotto/testkit/servers';
import type { PostgresServer, RedisServer } from '@sotto/testkit/servers';
import { spawnTs } from '../test/fixtures/child-process.js';
import type { SpawnedChild } from '../test/fixtures/child-process.js';
import { registerMany } from '../test/fixtures/accounts.js';
import type { TestDevice } from '../test/fixtures/accounts.js';
import { BenchSocket } from './bench-client.js';
import { seedAccounts } from './seed-accounts.js';
import { LoadDriver } from './load.js';
import type { Pair, PhaseResult } from './load.js';
import { median, percentile, round, spread } from './stats.js';
import type { RelayChildMemory } from '../test/fixtures/relay-child.js';

const args = process.argv.slice(2);
const JSON_OUT = args.includes('--json');
const num = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const QUICK = args.includes('--quick');
const PAIRS = num('--pairs', QUICK ? 10 : 100);
const WINDOW = num('--window', 8);
const ROUNDS = num('--rounds', QUICK ? 2 : 7);
const MEASURE_MS = num('--measure-ms', QUICK ? 400 : 2000);
const WARMUP_MS = QUICK ? 100 : 300;
const LATENCY_MS = QUICK ? 600 : 2000;
// Latency at half load is measured like throughput: interleaved rounds (relay, forwarder / forwarder,
// relay), each reported as the median of its per-round percentiles (BENCH.md), so one noisy burst on
// the shared machine does not decide the figure.
const LATENCY_ROUNDS = num('--latency-rounds', QUICK ? 1 : 5);
const IDLE_CONNECTIONS = num('--connections', QUICK ? 300 : 10_000);
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1]?.split(',') : undefined;
const wanted = (name: string) => ONLY === undefined || ONLY.includes(name);
const CONTENT_BYTES = 400; // SCALE.md's message size

const here = (p: string) => new URL(p, import.meta.url).pathname;
const progress = (s: string) => process.stderr.write(`[relay bench] ${s}\n`);

interface Result {
  name: string;
  unit: string;
  value: number;
  baseline_name?: string;
  baseline?: number;
  ratio?: number;
  rounds: number;
  spread: number;
  [extra: string]: unknown;
}

const children: SpawnedChild[] = [];
const dirs: string[] = [];

async function startRelayChild(
  overrides: Record<string, unknown>,
  nodeArgs: string[] = [],
  dataDir?: string,
): Promise<SpawnedChild> {
  const dir = dataDir ?? tempDir();
  const config = {
    port: 0,
    dataDir: dir,
    logLevel: 'error',
    submitsPerConnectionPerSecond: 1_000_000,
    maxConnections: 1_000_000,
    ...overrides,
  };
  const child = await spawnTs(
    here('../test/fixtures/relay-child.ts'),
    [JSON.stringify(config), '--cheap-hash'],
    {
      nodeArgs,
    },
  );
  children.push(child);
  return child;
}

/** A fresh data directory; `memoryBacked` puts it on tmpfs when there is one (fsync-free seeding). */
function tempDir(memoryBacked = false): string {
  const base = memoryBacked && existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'sotto-relay-bench-'));
  dirs.push(dir);
  return dir;
}

async function connectAll(
  url: string,
  devices: readonly TestDevice[],
  concurrency: number,
): Promise<BenchSocket[]> {
  const wsUrl = url.replace(/^http/, 'ws') + '/v1/ws';
  const sockets: BenchSocket[] = new Array<BenchSocket>(devices.length);
  let next = 0;
  const worker = async () => {
    while (next < devices.length) {
      const i = next++;
      // The relay refuses (RateLimited) logins beyond its bound on concurrent slow-hash checks;
      // a real client backs off and retries, so does this one.
      for (let attempt = 0; ; attempt++) {
        const s = new BenchSocket(devices[i]!);
        try {
          await s.connect(wsUrl);
          sockets[i] = s;
          break;
        } catch (err) {
          if (attempt >= 20 || !String(err).includes('RateLimited')) throw err;
          await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
        }
      }
      if ((i + 1) % 2000 === 0) progress(`  ${i + 1} connected`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return sockets;
}

/** Where a durable-e2e run sends: senders connect to one node, receivers to another (or the same). */
interface Topology {
  readonly senders: SpawnedChild;
  readonly receivers: SpawnedChild;
  /** Every relay process (CPU per message is their sum). */
  readonly nodes: readonly SpawnedChild[];
  /** Extra fields for the result (what the topology is). */
  readonly describe: Record<string, unknown>;
  /** Also measure against the coalescing forwarder (the `strict_*` fields). */
  readonly strictBaseline: boolean;
}

/** The default durable-e2e: one relay child on SQLite. */
async function sqliteTopology(): Promise<Topology> {
  // --profile DIR: V8 CPU profile of the relay child (written when it exits), to find hot paths.
  const profileDir = args.includes('--profile') ? args[args.indexOf('--profile') + 1] : undefined;
  const relay = await startRelayChild(
    {},
    profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  );
  return {
    senders: relay,
    receivers: relay,
    nodes: [relay],
    describe: { store: 'sqlite' },
    strictBaseline: true,
  };
}

/** One relay node on a fresh database of the bench's PostgreSQL (LISTEN/NOTIFY bus, unused here). */
async function postgresTopology(pg: PostgresServer): Promise<Topology> {
  const relay = await startRelayChild({ databaseUrl: await pg.createDatabase() });
  return {
    senders: relay,
    receivers: relay,
    nodes: [relay],
    describe: { store: 'postgresql', postgres: 'fsync=on synchronous_commit=on (loopback, same machine)' },
    strictBaseline: false,
  };
}

/** Two relay nodes on one fresh database and one Redis bus; senders on node 1, receivers on node 2. */
async function twoNodeTopology(pg: PostgresServer, redis: RedisServer): Promise<Topology> {
  const shared = { databaseUrl: await pg.createDatabase(), busUrl: redis.url };
  const node1 = await startRelayChild(shared);
  const node2 = await startRelayChild(shared);
  return {
    senders: node1,
    receivers: node2,
    nodes: [node1, node2],
    describe: {
      store: 'postgresql',
      bus: 'redis pub/sub',
      nodes: 2,
      postgres: 'fsync=on synchronous_commit=on (loopback, same machine)',
    },
    strictBaseline: false,
  };
}

/** One server the load runs through in a round: the relay (all its nodes) or a forwarder. */
interface Side {
  readonly label: string;
  readonly procs: readonly SpawnedChild[];
  readonly driver: LoadDriver;
  readonly rates: number[];
  /** CPU per delivered message (µs) of each round. */
  readonly cpu: number[];
}

async function durableE2e(name: string, topo: Topology): Promise<Result> {
  progress(`${name}: ${PAIRS} pairs, window ${WINDOW} per pair, ${ROUNDS} rounds of ${MEASURE_MS} ms`);
  const bare = await spawnTs(here('./bare-forwarder.ts'), []);
  children.push(bare);
  const strict = topo.strictBaseline ? await spawnTs(here('./bare-forwarder.ts'), ['--coalesce']) : undefined;
  if (strict) children.push(strict);

  // Accounts live in the (shared) store: registering through the senders' node is enough.
  const devices = await registerMany(topo.senders.url, PAIRS * 2, 16);
  const senders = devices.filter((_, i) => i % 2 === 0);
  const receivers = devices.filter((_, i) => i % 2 === 1);
  const sockets: BenchSocket[] = [];
  const driverFor = async (sendersUrl: string, receiversUrl: string): Promise<LoadDriver> => {
    const from = await connectAll(sendersUrl, senders, 32);
    const to = await connectAll(receiversUrl, receivers, 32);
    sockets.push(...from, ...to);
    const pairs: Pair[] = Array.from({ length: PAIRS }, (_, i) => ({
      sender: from[i]!,
      receiver: to[i]!,
      recipientAccountId: receivers[i]!.accountId,
      recipientRegistrationId: receivers[i]!.registrationId,
    }));
    return new LoadDriver(pairs, CONTENT_BYTES);
  };
  const side = async (
    label: string,
    procs: readonly SpawnedChild[],
    sendersUrl: string,
    receiversUrl = sendersUrl,
  ) => {
    const s: Side = { label, procs, driver: await driverFor(sendersUrl, receiversUrl), rates: [], cpu: [] };
    return s;
  };
  const relay = await side('relay', topo.nodes, topo.senders.url, topo.receivers.url);
  const forwarder = await side('forwarder', [bare], bare.url);
  const coalescing = strict ? await side('coalescing forwarder', [strict], strict.url) : undefined;
  const sides = coalescing ? [relay, forwarder, coalescing] : [relay, forwarder];

  const ratios: number[] = [];
  const strictRatios: number[] = [];
  const peakLatencies: number[] = [];
  let errors = 0;
  // Warm every server (JIT, SQLite page cache / PostgreSQL buffers) before the measured rounds.
  for (const s of sides) await s.driver.closedLoop(WINDOW, 0, 500);
  // CPU per delivered message (µs, user+system) of each server: less sensitive than msgs/s to other
  // load on a shared machine, and it says where the relay spends more than the forwarder. For the
  // relay it is the sum over its node processes (PostgreSQL's and Redis's own CPU is not included).
  const cpuOf = async (procs: readonly SpawnedChild[]) => {
    let us = 0;
    for (const p of procs) {
      const c = await p.request<{ user: number; system: number }>({ op: 'cpu' });
      us += c.user + c.system;
    }
    return us;
  };
  const measured = async (s: Side): Promise<PhaseResult> => {
    const c0 = await cpuOf(s.procs);
    const res = await s.driver.closedLoop(WINDOW, WARMUP_MS, MEASURE_MS);
    s.cpu.push(((await cpuOf(s.procs)) - c0) / res.total);
    s.rates.push(res.rate);
    errors += res.errors;
    if (s === relay) peakLatencies.push(...res.latenciesMs);
    return res;
  };
  for (let r = 0; r < ROUNDS; r++) {
    // Interleave A B C / C B A so drift (other load on the machine) hits every side alike.
    for (const s of r % 2 === 0 ? sides : [...sides].reverse()) await measured(s);
    const rate = (s: Side) => s.rates.at(-1)!;
    ratios.push(rate(relay) / rate(forwarder));
    if (coalescing) strictRatios.push(rate(relay) / rate(coalescing));
    progress(
      `  round ${r + 1}: ` +
        sides.map((s) => `${s.label} ${Math.round(rate(s))}/s`).join(', ') +
        `, ratio ${round(ratios.at(-1)!)}` +
        (coalescing ? ` (against the coalescing forwarder ${round(strictRatios.at(-1)!)})` : ''),
    );
  }
  const peak = median(relay.rates);
  const halfLoad = Math.round(peak / 2);
  progress(`  latency at half of peak load: ${halfLoad} msgs/s open loop`);
  const p50s: number[] = [];
  const p99s: number[] = [];
  const fwdP99s: number[] = [];
  const achieved: number[] = [];
  for (let r = 0; r < LATENCY_ROUNDS; r++) {
    const relayFirst = r % 2 === 0;
    const first = await (relayFirst ? relay : forwarder).driver.openLoop(
      halfLoad,
      WARMUP_MS,
      LATENCY_MS,
      WINDOW * 8,
    );
    const second = await (relayFirst ? forwarder : relay).driver.openLoop(
      halfLoad,
      WARMUP_MS,
      LATENCY_MS,
      WINDOW * 8,
    );
    const [half, halfFwd] = relayFirst ? [first, second] : [second, first];
    errors += half.errors + halfFwd.errors;
    p50s.push(percentile(half.latenciesMs, 50));
    p99s.push(percentile(half.latenciesMs, 99));
    fwdP99s.push(percentile(halfFwd.latenciesMs, 99));
    achieved.push(half.rate);
    progress(
      `  latency round ${r + 1}: relay p50 ${round(p50s.at(-1)!, 2)} ms p99 ${round(p99s.at(-1)!, 2)} ms, forwarder p99 ${round(fwdP99s.at(-1)!, 2)} ms`,
    );
  }
  for (const s of sockets) s.terminate();
  return {
    name,
    unit: 'msgs/s',
    value: Math.round(peak),
    baseline_name: 'bare ws forwarder (same frames, no storage, one write per frame)',
    baseline: Math.round(median(forwarder.rates)),
    ratio: round(median(ratios), 3),
    rounds: ROUNDS,
    spread: round(spread(relay.rates), 3),
    ...(coalescing
      ? {
          strict_baseline_name: 'ws forwarder coalescing writes per socket per turn, like the relay',
          strict_baseline: Math.round(median(coalescing.rates)),
          strict_ratio: round(median(strictRatios), 3),
          strict_baseline_cpu_us_per_msg: round(median(coalescing.cpu), 1),
        }
      : {}),
    p50_ms: round(median(p50s), 2),
    p99_ms: round(median(p99s), 2),
    p99_rounds_ms: p99s.map((v) => round(v, 1)),
    latency_rounds: LATENCY_ROUNDS,
    latency_load_msgs_s: halfLoad,
    latency_load_achieved_msgs_s: Math.round(median(achieved)),
    baseline_p99_ms: round(median(fwdP99s), 2),
    peak_p50_ms: round(percentile(peakLatencies, 50), 2),
    peak_p99_ms: round(percentile(peakLatencies, 99), 2),
    cpu_us_per_msg: round(median(relay.cpu), 1),
    baseline_cpu_us_per_msg: round(median(forwarder.cpu), 1),
    pairs: PAIRS,
    window_per_pair: WINDOW,
    content_bytes: CONTENT_BYTES,
    submit_errors: errors,
    ...topo.describe,
    ...(QUICK ? { quick: true } : {}),
  };
}

async function idleConnectionBytes(): Promise<Result> {
  const n = IDLE_CONNECTIONS;
  progress(`idle-connection-bytes: seeding ${n} accounts`);
  // Idle memory does not depend on the disk; tmpfs makes seeding 10,000 synced commits take seconds.
  const dir = tempDir(true);
  const t0 = performance.now();
  const devices = await seedAccounts(dir, n);
  progress(`  seeded in ${Math.round((performance.now() - t0) / 1000)} s; starting the relay and connecting`);
  const relay = await startRelayChild({ idleTimeoutSeconds: 600 }, ['--expose-gc'], dir);
  // Settle, then the baseline: everything but the connections (accounts, caches, warm code).
  await new Promise((r) => setTimeout(r, 500));
  const before = await relay.request<RelayChildMemory>({ op: 'memory' });
  const sockets = await connectAll(relay.url, devices, 48);
  await new Promise((r) => setTimeout(r, 1000));
  const after = await relay.request<RelayChildMemory>({ op: 'memory' });
  const perConn = (k: 'rss' | 'heapUsed' | 'external' | 'arrayBuffers') => (after[k] - before[k]) / n;
  progress(`  rss +${Math.round((after.rss - before.rss) / 1024 / 1024)} MiB for ${n} connections`);
  for (const s of sockets) s.terminate();
  return {
    name: 'idle-connection-bytes',
    unit: 'bytes',
    // The larger of the two views: RSS can under-count when freed heap pages are reused.
    value: Math.round(Math.max(perConn('rss'), perConn('heapUsed') + perConn('external'))),
    rounds: 1,
    spread: 0,
    connections: n,
    method: 'max(rss delta, heapUsed+external delta) / connections, relay child after forced GC',
    rss_bytes: Math.round(perConn('rss')),
    heap_bytes: Math.round(perConn('heapUsed')),
    external_bytes: Math.round(perConn('external')),
    rss_before_mib: round(before.rss / 1024 / 1024, 1),
    rss_after_mib: round(after.rss / 1024 / 1024, 1),
    gc_forced: before.gc,
  };
}

function printTable(results: Result[]): void {
  const rows = results.map((r) => {
    const extra = Object.entries(r)
      .filter(
        ([k]) =>
          !['name', 'unit', 'value', 'baseline_name', 'baseline', 'ratio', 'rounds', 'spread'].includes(k),
      )
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    return [
      r.name,
      `${r.value} ${r.unit}`,
      r.baseline === undefined ? '-' : `${r.baseline} (${r.baseline_name})`,
      r.ratio === undefined ? '-' : String(r.ratio),
      String(r.rounds),
      String(r.spread),
      extra,
    ];
  });
  const head = ['result', 'value', 'baseline', 'ratio', 'rounds', 'spread', 'details'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<void> {
  const started = performance.now();
  const results: Result[] = [];
  let pg: PostgresServer | undefined;
  let redis: RedisServer | undefined;
  const stopChildren = async () => {
    for (const c of children.splice(0)) {
      c.proc.kill('SIGTERM');
      await c.exited;
    }
  };
  try {
    if (wanted('durable-e2e')) results.push(await durableE2e('durable-e2e', await sqliteTopology()));
    await stopChildren();
    if (wanted('durable-e2e-postgres') || wanted('durable-e2e-2nodes')) {
      progress('starting a throwaway PostgreSQL (durable settings) and redis-server on loopback');
      pg = await startPostgres({ durable: true });
      if (wanted('durable-e2e-2nodes')) redis = await startRedis();
    }
    if (pg && wanted('durable-e2e-postgres')) {
      results.push(await durableE2e('durable-e2e-postgres', await postgresTopology(pg)));
      await stopChildren();
    }
    if (pg && redis && wanted('durable-e2e-2nodes')) {
      results.push(await durableE2e('durable-e2e-2nodes', await twoNodeTopology(pg, redis)));
      await stopChildren();
    }
    if (wanted('idle-connection-bytes')) results.push(await idleConnectionBytes());
  } finally {
    for (const c of children) c.proc.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await Promise.all([pg?.dispose(), redis?.dispose()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  progress(`done in ${Math.round((performance.now() - started) / 1000)} s`);
  const report = {
    benchmark: 'relay',
    machine: { node: process.version, cpus: cpus().length },
    results,
  };
  if (JSON_OUT) process.stdout.write(JSON.stringify(report) + '\n');
  else printTable(results);
}

await main();
process.exit(0);
