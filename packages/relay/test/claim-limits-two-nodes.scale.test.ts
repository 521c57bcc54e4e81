// Issue 8: "the same rate limits shared across nodes". Bundle claims for one target (and from one
// requester) spread over two relay nodes on one PostgreSQL are refused at the same count, with the same
// typed error (RateLimited, HTTP 429), as on a single SQLite node. Without shared buckets each node
// would grant its own full allowance and two nodes would grant twice as many. The nodes run in this
// process (each with its own pool, as separate processes would have) on one injected clock, so the
// counts cannot drift with the machine's speed.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { RelayError } from '@sotto/wire';
import type { RelayClient } from '@sotto/wire';
import { startPostgres } from '@sotto/testkit/servers';
import type { PostgresServer } from '@sotto/testkit/servers';
import { openPostgresStore } from '../src/store/index.js';
import { TestClock, makeKeys, registerUser, startTestRelay } from './helpers/harness.js';
import type { TestRelay, TestUser } from './helpers/harness.js';

const PER_REQUESTER = 5;
const PER_TARGET = 6;
const LIMITS = {
  bundleClaimsPerRequesterPerMinute: PER_REQUESTER,
  bundleClaimsPerTargetPerMinute: PER_TARGET,
};

let pg: PostgresServer | undefined;
before(async () => {
  pg = await startPostgres();
});
after(async () => {
  await pg?.dispose();
});

/** A cluster of relay nodes sharing one clock (and, for PostgreSQL, one database). */
interface Cluster {
  nodes: TestRelay[];
  clock: TestClock;
}

async function singleSqliteNode(): Promise<Cluster> {
  const clock = new TestClock();
  return { clock, nodes: [await startTestRelay(LIMITS, { now: clock.now })] };
}

async function twoPostgresNodes(): Promise<Cluster> {
  const clock = new TestClock();
  const url = await pg!.createDatabase();
  const nodes: TestRelay[] = [];
  for (let i = 0; i < 2; i++) {
    const store = await openPostgresStore(url, { poolSize: 3 });
    nodes.push(await startTestRelay(LIMITS, { now: clock.now, store }));
  }
  return { clock, nodes };
}

/** The same user's client pointed at node `i`. */
const via = (c: Cluster, user: TestUser, i: number): RelayClient =>
  c.nodes[i % c.nodes.length]!.anon.withCredentials(user.creds);

async function outcome(claim: Promise<unknown>): Promise<string> {
  try {
    await claim;
    return 'ok';
  } catch (err) {
    if (err instanceof RelayError) return `${err.code} ${String(err.status)}`;
    throw err;
  }
}

async function target(c: Cluster): Promise<TestUser> {
  const t = await registerUser(c.nodes[0]!);
  await t.client.uploadKeys(makeKeys(t, 30));
  return t;
}

/** 12 claims against one target by 4 requesters, round-robin over the nodes, one after another. */
async function claimsForOneTarget(c: Cluster): Promise<string[]> {
  const victim = await target(c);
  const requesters: TestUser[] = [];
  for (let i = 0; i < 4; i++) requesters.push(await registerUser(c.nodes[i % c.nodes.length]!));
  const out: string[] = [];
  for (let i = 0; i < 12; i++) {
    out.push(await outcome(via(c, requesters[i % 4]!, i).getBundles(victim.accountId, 1)));
  }
  c.clock.advance(10_000); // one token back at 6/min, for the whole cluster
  out.push(await outcome(via(c, requesters[0]!, 1).getBundles(victim.accountId, 1)));
  out.push(await outcome(via(c, requesters[1]!, 0).getBundles(victim.accountId, 1)));
  return out;
}

/** 8 claims by one requester against two targets (neither reaches its own limit), over the nodes. */
async function claimsByOneRequester(c: Cluster): Promise<string[]> {
  const targets = [await target(c), await target(c)];
  const me = await registerUser(c.nodes[0]!);
  const out: string[] = [];
  for (let i = 0; i < 8; i++) {
    out.push(await outcome(via(c, me, i).getBundles(targets[i % 2]!.accountId, 1)));
  }
  return out;
}

const limited = 'RateLimited 429';

void describe('bundle-claim rate limits over two relay nodes on one PostgreSQL', () => {
  const clusters: Cluster[] = [];
  after(async () => {
    for (const c of clusters) for (const n of c.nodes) await n.close();
  });
  const open = async (make: () => Promise<Cluster>) => {
    const c = await make();
    clusters.push(c);
    return c;
  };

  void it('refuses claims for one target at the same total as one node, with RateLimited (429)', async () => {
    const one = await claimsForOneTarget(await open(singleSqliteNode));
    const expected = [
      ...Array<string>(PER_TARGET).fill('ok'),
      ...Array<string>(12 - PER_TARGET).fill(limited),
      'ok',
      limited,
    ];
    assert.deepEqual(one, expected, 'single SQLite node');
    const two = await claimsForOneTarget(await open(twoPostgresNodes));
    assert.deepEqual(two, one, 'two nodes on one PostgreSQL behave as one node');
  });

  void it('refuses one requester spreading claims over both nodes at the same count as one node', async () => {
    const one = await claimsByOneRequester(await open(singleSqliteNode));
    const expected = [
      ...Array<string>(PER_REQUESTER).fill('ok'),
      ...Array<string>(8 - PER_REQUESTER).fill(limited),
    ];
    assert.deepEqual(one, expected, 'single SQLite node');
    const two = await claimsByOneRequester(await open(twoPostgresNodes));
    assert.deepEqual(two, one, 'two nodes on one PostgreSQL behave as one node');
  });
});
