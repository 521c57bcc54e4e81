// The deployment guide's nginx configuration (docs/deployment.md, without TLS) in front of two relay
// nodes sharing one throwaway PostgreSQL: registration, /healthz and a WebSocket round trip both ways
// all go through nginx. Needs Debian's nginx (in .ci/apt-packages.txt); fails loudly without it.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { RelayClient } from '@sotto/wire';
import { freeLowPort, startPostgres } from '@sotto/testkit/servers';
import type { PostgresServer } from '@sotto/testkit/servers';
import { createScryptHasher, relayConfigSchema, startRelay } from '../src/index.js';
import type { RunningRelay } from '../src/index.js';
import { registerDevice } from './fixtures/accounts.js';
import { WS } from './helpers/harness.js';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

const NGINX = '/usr/sbin/nginx';
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function nginxConf(dir: string, port: number, upstreams: number[]): string {
  return `
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_processes 1;
events { worker_connections 256; }
http {
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream sotto_relays {
    least_conn;
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=2 fail_timeout=5s;`).join('\n')}
  }
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 110m;
    access_log off;
    location / {
      proxy_pass http://sotto_relays;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_read_timeout 120s;
      proxy_send_timeout 120s;
      proxy_buffering off;
    }
  }
}`;
}

void describe('nginx example config in front of two relay nodes', () => {
  void it('proxies HTTP and WebSockets to both nodes; a message goes through each way', async () => {
    assert.ok(existsSync(NGINX), 'nginx not found: run `apt-get install -y nginx` (.ci/run does this)');
    const pg: PostgresServer = await startPostgres();
    cleanups.push(() => pg.dispose());
    const db = await pg.createDatabase();
    const nodes: RunningRelay[] = [];
    for (let i = 0; i < 2; i++) {
      const config = relayConfigSchema.parse({ port: 0, databaseUrl: db, logLevel: 'error' });
      const r = await startRelay(config, { secretHasher: createScryptHasher({ N: 16, r: 1, p: 1 }) });
      nodes.push(r);
      cleanups.push(() => r.close());
    }
    const dir = mkdtempSync(join(tmpdir(), 'sotto-nginx-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freeLowPort();
    writeFileSync(
      join(dir, 'nginx.conf'),
      nginxConf(
        dir,
        port,
        nodes.map((n) => n.port),
      ),
    );
    const proc: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
      stdio: 'ignore',
    });
    cleanups.push(() => proc.kill('SIGQUIT'));
    const url = `http://127.0.0.1:${port}`;
    const anon = new RelayClient({ url });
    for (let i = 0; ; i++) {
      try {
        if ((await anon.health()) === 'ok') break;
      } catch {
        // not up yet
      }
      if (i > 100) assert.fail('nginx did not come up');
      await new Promise((r) => setTimeout(r, 50));
    }
    const alice = await registerDevice(url);
    const bob = await registerDevice(url);
    const got: Record<string, Uint8Array[]> = { alice: [], bob: [] };
    const conn = (d: typeof alice, who: string) =>
      new RelayClient({
        url,
        WebSocket: WS,
        credentials: { accountId: d.accountId, deviceId: d.deviceId, secret: d.secret },
      }).connect({
        onDeliver: (e) => {
          got[who]!.push(e.content);
          c[who]!.ack(e.seq);
        },
      });
    const c: Record<string, ReturnType<typeof conn>> = {};
    c.alice = conn(alice, 'alice');
    c.bob = conn(bob, 'bob');
    cleanups.push(
      () => c.alice?.close(),
      () => c.bob?.close(),
    );
    await Promise.all([c.alice.ready, c.bob.ready]);
    const send = (from: string, to: typeof alice, body: Uint8Array) =>
      c[from]!.submit(to.accountId, [
        {
          deviceId: 1,
          registrationId: to.registrationId,
          envelopeId: new Uint8Array(randomBytes(16)),
          envelopeType: 1,
          content: body,
        },
      ]);
    for (let i = 0; i < 20; i++) {
      assert.equal((await send('alice', bob, new Uint8Array([1, i]))).results[0]?.status, 'Accepted');
      assert.equal((await send('bob', alice, new Uint8Array([2, i]))).results[0]?.status, 'Accepted');
    }
    for (let i = 0; got.alice!.length < 20 || got.bob!.length < 20; i++) {
      if (i > 200)
        assert.fail(`deliveries through nginx: alice ${got.alice!.length}, bob ${got.bob!.length}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(
      got.bob!.map((b) => b[1]),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.deepEqual(
      got.alice!.map((b) => b[1]),
      Array.from({ length: 20 }, (_, i) => i),
    );
  });
});
