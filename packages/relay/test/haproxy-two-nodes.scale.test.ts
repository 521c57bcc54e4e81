// The deployment guide's HAProxy configuration (docs/deployment.md, without TLS) in front of two relay
// nodes sharing one throwaway PostgreSQL: the health check marks both nodes up, registration goes
// through, each WebSocket lands on a different node (leastconn) and messages cross between them both
// ways. Needs Debian's haproxy (in .ci/apt-packages.txt); fails loudly without it.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RelayClient } from '@sotto/wire';
import { freeLowPort, startPostgres } from '@sotto/testkit/servers';
import { createScryptHasher, relayConfigSchema, startRelay } from '../src/index.js';
import type { RunningRelay } from '../src/index.js';
import { registerDevice } from './fixtures/accounts.js';
import type { TestDevice } from './fixtures/accounts.js';
import { WS } from './helpers/harness.js';

const HAPROXY = '/usr/sbin/haproxy';
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** The guide's example with loopback addresses instead of TLS on :443 and 10.0.0.x nodes. */
function haproxyConf(port: number, upstreams: number[]): string {
  return `
global
    log stderr format short local0 warning
defaults
    log global
frontend sotto
    bind 127.0.0.1:${port}
    mode http
    timeout client 120s
    default_backend relays
backend relays
    mode http
    balance leastconn
    timeout connect 5s
    timeout server 120s
    timeout tunnel 1h
    option httpchk GET /healthz
${upstreams.map((p, i) => `    server r${i + 1} 127.0.0.1:${p} check`).join('\n')}
`;
}

/** Authenticated WebSockets a node holds now, from its own /metrics. */
async function socketsOn(node: RunningRelay): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const m = /^sotto_relay_ws_authenticated (\d+)/m.exec(text);
  assert.ok(m, 'sotto_relay_ws_authenticated in /metrics');
  return Number(m[1]);
}

async function until(cond: () => Promise<boolean> | boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await cond()) return;
    } catch {
      // not yet
    }
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

void describe('HAProxy example config in front of two relay nodes', () => {
  void it('health-checks both nodes, spreads WebSockets over them, and carries messages both ways', async () => {
    assert.ok(existsSync(HAPROXY), 'haproxy not found: run `apt-get install -y haproxy` (.ci/run does this)');
    const pg = await startPostgres();
    cleanups.push(() => pg.dispose());
    const db = await pg.createDatabase();
    const nodes: RunningRelay[] = [];
    for (let i = 0; i < 2; i++) {
      const config = relayConfigSchema.parse({ port: 0, databaseUrl: db, logLevel: 'error' });
      const r = await startRelay(config, { secretHasher: createScryptHasher({ N: 16, r: 1, p: 1 }) });
      nodes.push(r);
      cleanups.push(() => r.close());
    }
    const dir = mkdtempSync(join(tmpdir(), 'sotto-haproxy-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freeLowPort();
    const conf = join(dir, 'haproxy.cfg');
    writeFileSync(
      conf,
      haproxyConf(
        port,
        nodes.map((n) => n.port),
      ),
    );
    const check = spawn(HAPROXY, ['-c', '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    let checkOut = '';
    check.stdout.on('data', (b: Buffer) => (checkOut += b.toString()));
    check.stderr.on('data', (b: Buffer) => (checkOut += b.toString()));
    const valid = await new Promise<number | null>((r) => check.on('close', r));
    assert.equal(valid, 0, `haproxy -c rejects the config: ${checkOut}`);
    assert.doesNotMatch(checkOut, /WARNING/, 'the example config draws no warnings');

    let log = '';
    const proc: ChildProcess = spawn(HAPROXY, ['-db', '-f', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    cleanups.push(() => proc.kill('SIGTERM'));
    const url = `http://127.0.0.1:${port}`;
    const anon = new RelayClient({ url });
    await until(async () => (await anon.health()) === 'ok', `haproxy up (log: ${log})`);

    const alice = await registerDevice(url);
    const bob = await registerDevice(url);
    const got: Record<string, number[]> = { alice: [], bob: [] };
    const conn = (d: TestDevice, who: string) => {
      const c = new RelayClient({
        url,
        WebSocket: WS,
        credentials: { accountId: d.accountId, deviceId: d.deviceId, secret: d.secret },
      }).connect({
        onDeliver: (e) => {
          got[who]!.push(e.content[1]!);
          c.ack(e.seq);
        },
      });
      cleanups.push(() => c.close());
      return c;
    };
    const a = conn(alice, 'alice');
    await a.ready;
    // leastconn: with node 1 or 2 holding alice's socket, bob's goes to the other one.
    await until(
      async () => (await socketsOn(nodes[0]!)) + (await socketsOn(nodes[1]!)) === 1,
      'alice on a node',
    );
    const b = conn(bob, 'bob');
    await b.ready;
    await until(
      async () => (await socketsOn(nodes[0]!)) === 1 && (await socketsOn(nodes[1]!)) === 1,
      'one WebSocket on each node',
    );

    const send = (from: typeof a, to: TestDevice, tag: number, i: number) =>
      from.submit(to.accountId, [
        {
          deviceId: 1,
          registrationId: to.registrationId,
          envelopeId: new Uint8Array(randomBytes(16)),
          envelopeType: 1,
          content: new Uint8Array([tag, i]),
        },
      ]);
    const N = 20;
    for (let i = 0; i < N; i++) {
      assert.equal((await send(a, bob, 1, i)).results[0]?.status, 'Accepted');
      assert.equal((await send(b, alice, 2, i)).results[0]?.status, 'Accepted');
    }
    await until(() => got.alice!.length >= N && got.bob!.length >= N, 'deliveries through haproxy');
    const order = Array.from({ length: N }, (_, i) => i);
    assert.deepEqual(got.bob, order);
    assert.deepEqual(got.alice, order);
  });
});
