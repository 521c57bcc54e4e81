// The deployment guide's nginx configuration (docs/deployment.md, without TLS) in front of two relay
// nodes sharing one throwaway PostgreSQL: registration, /healthz and a WebSocket round trip both ways
// all go through nginx. Needs Debian's nginx (in .ci/apt-packages.txt); fails loudly without it.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RelayClient } from '@sotto/wire';
import { freeLowPort } from '@sotto/testkit/servers';
import { exchangeBothWays, startTwoNodes, until } from './helpers/proxied-nodes.js';
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
    const nodes = await startTwoNodes(cleanups);
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
    await until(async () => (await anon.health()) === 'ok', 'nginx up', 5_000);
    await exchangeBothWays(url, cleanups, { via: 'nginx', deliveryMs: 10_000 });
  });
});
