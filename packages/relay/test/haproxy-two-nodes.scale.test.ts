// The deployment guide's HAProxy configuration (docs/deployment.md, without TLS) in front of two relay
// nodes sharing one throwaway PostgreSQL: the health check marks both nodes up, registration goes
// through, each WebSocket lands on a different node (leastconn) and messages cross between them both
// ways. Needs Debian's haproxy (in .ci/apt-packages.txt); fails loudly without it.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RelayClient } from '@sotto/wire';
import { freeLowPort } from '@sotto/testkit/servers';
import type { RunningRelay } from '../src/index.js';
import { exchangeBothWays, startTwoNodes, until } from './helpers/proxied-nodes.js';

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

void describe('HAProxy example config in front of two relay nodes', () => {
  void it('health-checks both nodes, spreads WebSockets over them, and carries messages both ways', async () => {
    assert.ok(existsSync(HAPROXY), 'haproxy not found: run `apt-get install -y haproxy` (.ci/run does this)');
    const nodes = await startTwoNodes(cleanups);
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
    await until(
      async () => (await anon.health()) === 'ok',
      () => `haproxy up (log: ${log})`,
      15_000,
    );
    await exchangeBothWays(url, cleanups, {
      via: 'haproxy',
      deliveryMs: 15_000,
      // leastconn: with node 1 or 2 holding alice's socket, bob's goes to the other one.
      afterFirstConnect: () =>
        until(
          async () => (await socketsOn(nodes[0]!)) + (await socketsOn(nodes[1]!)) === 1,
          'alice on a node',
          15_000,
        ),
      afterBothConnect: () =>
        until(
          async () => (await socketsOn(nodes[0]!)) === 1 && (await socketsOn(nodes[1]!)) === 1,
          'one WebSocket on each node',
          15_000,
        ),
    });
  });
});
