// docs/deployment.md followed from scratch on loopback: the "Step by step" shell block is read from
// the guide and run line by line (against a throwaway PostgreSQL and redis-server instead of
// Debian's services), two real `sotto relay` nodes start from the guide's environment, the guide's
// own nginx and HAProxy blocks (parsed from the document, rewritten only where loopback needs it)
// run in front of them, and users made with the real `sotto` CLI chat through the load balancers.
// If the guide's commands or configs break, this test breaks. Fails loudly when a binary is missing.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  findPostgresBin,
  findRedisServer,
  freeLowPort,
  startPostgres,
  startRedis,
} from '@sotto/testkit/servers';
import type { PostgresServer, RedisServer } from '@sotto/testkit/servers';
import { BIN, PASS, ROOT, jsonLines, ok, removeTempDirs, tempDir } from '@sotto/testkit/sotto-cli';

const GUIDE = join(ROOT, 'docs/deployment.md');
const NGINX = '/usr/sbin/nginx';
const HAPROXY = '/usr/sbin/haproxy';

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) {
    try {
      await c();
    } catch {
      // keep cleaning up
    }
  }
  removeTempDirs();
});

/** The body of the first ```LANG fenced block after the heading that starts with `heading`. */
function fencedBlock(markdown: string, heading: string, lang: string): string {
  const at = markdown.indexOf(`\n## ${heading}`);
  assert.ok(at >= 0, `docs/deployment.md has a "## ${heading}" section`);
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```').exec(markdown.slice(at));
  assert.ok(m?.[1], `a \`\`\`${lang} block under "## ${heading}"`);
  return m[1];
}

/** Replaces `re` in `text`, asserting it matched exactly `count` times (the guide changed otherwise). */
function rewrite(text: string, re: RegExp, by: (...groups: string[]) => string, count: number): string {
  const all = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  assert.equal(
    text.match(all)?.length ?? 0,
    count,
    `expected ${count} match(es) of ${String(re)} in the guide's block`,
  );
  return text.replace(all, by);
}

/** A long-running child with its output collected, for waiting on lines and stopping it. */
interface Proc {
  readonly proc: ChildProcess;
  /** stdout and stderr interleaved. */
  output(): string;
  stdout(): string;
  waitFor(re: RegExp, what: string, ms?: number): Promise<RegExpExecArray>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function launch(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string; detached?: boolean } = {},
): Proc {
  const proc = spawn(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    // A new session has no controlling terminal, so a password prompt reads stdin (as under a
    // pipe), never the developer's terminal.
    detached: opts.detached ?? false,
  });
  proc.stdin?.end(opts.stdin ?? '');
  let out = '';
  let stdout = '';
  proc.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    stdout += s;
  });
  proc.stderr?.setEncoding('utf8').on('data', (s: string) => (out += s));
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    proc.once('close', (c) => resolve((code = c)));
    proc.once('error', (e) => {
      out += `\nspawn error: ${e.message}`;
      resolve((code = null));
    });
  });
  return {
    proc,
    output: () => out,
    stdout: () => stdout,
    async waitFor(re, what, ms = 30_000) {
      const end = Date.now() + ms;
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (code !== undefined)
          assert.fail(`${what}: the process exited (${code}) first:\n${out.slice(-3000)}`);
        if (Date.now() > end) assert.fail(`${what}: timed out:\n${out.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (code !== undefined) return code;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      const c = await exited;
      clearTimeout(t);
      return c;
    },
  };
}

/** Runs a command to completion; fails with its output unless it exits 0. */
async function run(
  cmd: string,
  args: readonly string[],
  opts: Parameters<typeof launch>[2] = {},
): Promise<{ output: string; stdout: string }> {
  const p = launch(cmd, args, opts);
  const code = await new Promise<number | null>((resolve) => {
    p.proc.once('close', resolve);
    p.proc.once('error', () => resolve(null));
  });
  assert.equal(code, 0, `${cmd} ${args.join(' ')} failed:\n${p.output()}`);
  return { output: p.output(), stdout: p.stdout() };
}

async function until(cond: () => Promise<boolean> | boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      if (await cond()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) assert.fail(`timed out waiting for ${what} (${String(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One counter or gauge from a node's own /metrics (asked directly, not through the proxy). */
async function metric(nodeUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${nodeUrl}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
  assert.ok(m, `${name} in ${nodeUrl}/metrics`);
  return Number(m[1]);
}

/** How many times redis-server ran `command` (INFO commandstats, over a raw RESP connection). */
function redisCalls(port: number, command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    let buf = '';
    sock.setEncoding('utf8');
    sock.once('error', reject);
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const head = /^\$(\d+)\r\n/.exec(buf);
      if (!head || Buffer.byteLength(buf) < head[0].length + Number(head[1]) + 2) return;
      sock.end();
      const m = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(buf);
      resolve(m ? Number(m[1]) : 0);
    });
    sock.write('INFO commandstats\r\n');
  });
}

/** The environment of a process the guide starts: ours without SOTTO_* settings, plus `extra`. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SOTTO_')) env[k] = v;
  return { ...env, ...extra };
}

interface Deployment {
  readonly pg: PostgresServer;
  readonly redis: RedisServer;
  /** What the guide's `export` lines set. */
  readonly env: Record<string, string>;
  /** Relay nodes in the order the guide starts them: the guide's port → the node's base URL. */
  readonly nodes: { guidePort: number; args: string[]; url: string; proc: Proc }[];
  /** `sotto relay --print-config --json` for the guide's flag form, and for the env form. */
  readonly flagConfig: Record<string, unknown>;
  readonly envConfig: Record<string, unknown>;
}

/**
 * Follows the guide's "Step by step" block line by line. Loopback stand-ins: the throwaway cluster's
 * port for 5432, the throwaway redis-server's port for 6379, free ports for the node ports, the
 * cluster's superuser over TCP for `sudo -u postgres`, a random password for PASSWORD. A line this
 * function does not know fails the test: the guide and the test must agree.
 */
async function followStepByStep(block: string): Promise<Deployment> {
  const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  cleanups.push(
    () => pg.dispose(),
    () => redis.dispose(),
  );
  // Debian's pg_hba.conf: peer for local, scram-sha-256 for TCP. Keep the test superuser on trust and
  // make every other role prove its password, so the guide's password is really checked.
  writeFileSync(
    join(pg.dir, 'data', 'pg_hba.conf'),
    [
      'local all postgres trust',
      'host all postgres 127.0.0.1/32 trust',
      'host all all 127.0.0.1/32 scram-sha-256',
      '',
    ].join('\n'),
  );
  await pg.psql('SELECT pg_reload_conf()');
  const pgBin = findPostgresBin();
  const password = randomBytes(12).toString('hex');
  const loopback = (s: string) =>
    s
      .replaceAll('PASSWORD', password)
      .replaceAll('127.0.0.1:5432', `127.0.0.1:${pg.port}`)
      .replaceAll('127.0.0.1:6379', `127.0.0.1:${redis.port}`);
  const ports = new Map<number, number>();
  const portFor = async (guidePort: number) => {
    if (!ports.has(guidePort)) ports.set(guidePort, await freeLowPort());
    return ports.get(guidePort)!;
  };
  /** `sotto relay ARGS` with the guide's ports mapped to free ones; returns args and guide port. */
  const relayArgs = async (words: string[]) => {
    const args = [...words];
    const i = args.indexOf('--port');
    assert.ok(i >= 0 && args[i + 1], `a --port in: sotto ${words.join(' ')}`);
    const guidePort = Number(args[i + 1]);
    args[i + 1] = String(await portFor(guidePort));
    return { args: args.map(loopback), guidePort };
  };
  const nodeHome = mkdtempSync(join(tmpdir(), 'sotto-guide-node-'));
  cleanups.push(() => rmSync(nodeHome, { recursive: true, force: true }));

  const env: Record<string, string> = {};
  const nodes: Deployment['nodes'] = [];
  let flagForm: string[] | undefined;
  for (const raw of block.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const words = line.replace(/^#\s*/, '').split(/\s+/);
    if (line.startsWith('#')) {
      // Comments are prose, except the flag form of the node command.
      if (words[0] === 'sotto' && words[1] === 'relay') flagForm = words.slice(1);
      continue;
    }
    if (words[0] === 'apt-get' && words[1] === 'install') {
      for (const pkg of words.slice(2).filter((w) => !w.startsWith('-'))) {
        if (pkg === 'postgresql') findPostgresBin();
        else if (pkg === 'redis-server') findRedisServer();
        else if (pkg === 'nginx')
          assert.ok(existsSync(NGINX), 'nginx not found: run `apt-get install -y nginx`');
        else assert.fail(`the guide installs ${pkg}: teach this test to check for it`);
      }
    } else if (words[0] === 'sudo' && words[1] === '-u' && words[2] === 'postgres') {
      const [tool, ...rest] = words.slice(3);
      assert.ok(tool === 'createuser' || tool === 'createdb', `unknown step: ${line}`);
      // As the cluster's superuser over loopback TCP (Debian: peer authentication on the socket).
      await run(join(pgBin, tool), ['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', ...rest], {
        env: { ...process.env, LC_ALL: 'C' },
        // --pwprompt asks twice.
        stdin: rest.includes('--pwprompt') || rest.includes('-P') ? `${password}\n${password}\n` : '',
        detached: true,
      });
    } else if (words[0] === 'export' && words.length === 2) {
      const m = /^([A-Z_]+)=(\S+)$/.exec(words[1]!);
      assert.ok(m, `an export I can read: ${line}`);
      env[m[1]!] = loopback(m[2]!);
    } else if (words[0] === 'sotto' && words[1] === 'relay' && words.at(-1) === '&') {
      const { args, guidePort } = await relayArgs(words.slice(1, -1));
      const proc = launch(process.execPath, [BIN, ...args], { cwd: nodeHome, env: cleanEnv(env) });
      cleanups.push(() => proc.stop('SIGTERM'));
      nodes.push({ guidePort, args, url: '', proc });
    } else {
      assert.fail(`the test does not know how to follow this step of the guide: ${line}`);
    }
  }
  assert.ok(env['SOTTO_DATABASE_URL'], 'the guide exports SOTTO_DATABASE_URL');
  assert.ok(env['SOTTO_BUS_URL'], 'the guide exports SOTTO_BUS_URL');
  assert.equal(nodes.length, 2, 'the guide starts two nodes');
  assert.ok(flagForm, 'the guide shows the flag form of `sotto relay`');

  // The flag form, without the environment, must resolve to the same configuration as the env form
  // for the same port (host: the guide's env form names it, the flag form relies on the default).
  // Asked while the nodes start.
  const { args: flagArgs, guidePort } = await relayArgs(flagForm);
  const envNode = nodes.find((n) => n.guidePort === guidePort);
  assert.ok(envNode, `the flag form uses the port of one of the nodes (${guidePort})`);
  const printConfig = (args: string[], withEnv: Record<string, string>) =>
    run(process.execPath, [BIN, '--json', ...args, '--print-config'], {
      cwd: nodeHome,
      env: cleanEnv(withEnv),
    });
  const configs = Promise.all([printConfig(flagArgs, {}), printConfig(envNode.args, env)]);
  configs.catch(() => undefined); // awaited below; a node failing to start is the error to report
  for (const n of nodes) {
    const [, url] = await n.proc.waitFor(/listening on (http:\/\/\S+)/, `relay node for port ${n.guidePort}`);
    n.url = url!;
  }
  // On PostgreSQL a node keeps nothing on local disk: no ./data directory appears where it runs,
  // and the start message names the database (password masked) instead of a data directory.
  assert.equal(existsSync(join(nodeHome, 'data')), false, 'no SQLite data directory with PostgreSQL');
  for (const n of nodes) {
    await n.proc.waitFor(
      /^database: postgres(ql)?:\/\/REDACTED:REDACTED@/m,
      'the database in the start message',
    );
    assert.doesNotMatch(n.proc.output(), /data directory:/);
  }
  const [flagOut, envOut] = await configs;
  const flagConfig = JSON.parse(flagOut.stdout) as Record<string, unknown>;
  const envConfig = JSON.parse(envOut.stdout) as Record<string, unknown>;
  return { pg, redis, env, nodes, flagConfig, envConfig };
}

/** The guide's nginx block inside a throwaway main config: loopback listen, no TLS, the two nodes. */
function nginxFromGuide(block: string, dir: string, port: number, nodePorts: readonly number[]): string {
  let conf = rewrite(block, /^[ \t]*listen 443 ssl;.*$/m, () => `    listen 127.0.0.1:${port};`, 1);
  conf = rewrite(conf, /^[ \t]*ssl_certificate(_key)?\s.*\n/m, () => '', 2);
  let i = 0;
  conf = rewrite(
    conf,
    /^([ \t]*server\s+)[\w.-]+:\d+(?=[\s;])/m,
    (_all, lead) => `${lead}127.0.0.1:${nodePorts[i++]}`,
    nodePorts.length,
  );
  return `
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
# Debian's nginx.conf says "worker_processes auto": two workers on this two-core machine.
worker_processes 2;
events { worker_connections 256; }
http {
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
${conf}
}
`;
}

/** The guide's HAProxy block: a loopback bind without TLS, the two nodes. */
function haproxyFromGuide(block: string, port: number, nodePorts: readonly number[]): string {
  let conf = rewrite(
    block,
    /^([ \t]*bind\s+):443 ssl crt \S+/m,
    (_all, lead) => `${lead}127.0.0.1:${port}`,
    1,
  );
  let i = 0;
  conf = rewrite(
    conf,
    /^([ \t]*server\s+\S+\s+)[\w.-]+:\d+(?=[\s;])/m,
    (_all, lead) => `${lead}127.0.0.1:${nodePorts[i++]}`,
    nodePorts.length,
  );
  return conf + '\n';
}

/** `sotto inbox --wait … --json` kept running: a user with a live WebSocket. */
function liveInbox(home: string): Proc {
  return launch(process.execPath, [BIN, '--json', 'inbox', '--wait', '120'], {
    env: { ...process.env, SOTTO_HOME: home, SOTTO_PASSPHRASE: PASS, SOTTO_KDF_COST: 'test' },
  });
}

void describe('docs/deployment.md followed from scratch (loopback)', () => {
  void it('the step-by-step commands, the nginx and HAProxy blocks, and the sotto CLI through them', async () => {
    assert.ok(existsSync(NGINX), 'nginx not found: run `apt-get install -y nginx` (.ci/run does this)');
    assert.ok(existsSync(HAPROXY), 'haproxy not found: run `apt-get install -y haproxy` (.ci/run does this)');
    const guide = readFileSync(GUIDE, 'utf8');

    // 1. Step by step: database role and database, environment, two nodes.
    const d = await followStepByStep(fencedBlock(guide, 'Step by step', 'sh'));
    const flagCfg = d.flagConfig['config'] as Record<string, unknown>;
    assert.deepEqual(
      flagCfg,
      d.envConfig['config'],
      'the flag form configures the same relay as the env form',
    );
    assert.match(String(flagCfg['databaseUrl']), /^postgres:\/\/REDACTED:REDACTED@127\.0\.0\.1:\d+\/sotto$/);
    assert.match(String(flagCfg['busUrl']), /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((d.flagConfig['sources'] as Record<string, string>)['databaseUrl'], 'flag');
    assert.equal((d.envConfig['sources'] as Record<string, string>)['databaseUrl'], 'env');
    // The role, the owner and the password are real: the nodes run as `sotto`, a wrong password fails.
    assert.equal(
      (
        await d.pg.psql("SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'sotto'")
      ).trim(),
      'sotto',
    );
    const wrong = d.env['SOTTO_DATABASE_URL']!.replace(/:[^:@/]+@/, ':wrong@');
    const refused = launch(join(findPostgresBin(), 'psql'), ['-w', wrong, '-c', 'SELECT 1'], {
      detached: true,
    });
    await refused.waitFor(/password authentication failed for user "sotto"/, 'a wrong password refused');
    const [node1, node2] = d.nodes.map((n) => n.url) as [string, string];
    for (const n of [node1, node2]) assert.equal((await fetch(`${n}/healthz`)).status, 200, `${n}/healthz`);
    assert.ok(
      Number(
        (await d.pg.psql("SELECT count(*) FROM pg_stat_activity WHERE usename = 'sotto'", 'sotto')).trim(),
      ) >= 2,
      'both nodes hold connections to PostgreSQL as the sotto role',
    );

    // 2. The guide's load balancers, from the guide's own blocks.
    const nodePorts = [node1, node2].map((u) => Number(new URL(u).port));
    const lbDir = mkdtempSync(join(tmpdir(), 'sotto-guide-lb-'));
    // Run as root, nginx's workers run as "nobody" and buffer request bodies over 16 KiB (a key
    // upload) in <lbDir>/body: they must be able to enter the directory (Debian: /var/lib/nginx).
    chmodSync(lbDir, 0o755);
    cleanups.push(() => rmSync(lbDir, { recursive: true, force: true }));
    const nginxPort = await freeLowPort();
    const nginxConf = join(lbDir, 'nginx.conf');
    writeFileSync(
      nginxConf,
      nginxFromGuide(fencedBlock(guide, 'Load balancer: nginx', 'nginx'), lbDir, nginxPort, nodePorts),
    );
    await run(NGINX, ['-t', '-q', '-p', lbDir, '-c', nginxConf]);
    const nginx = launch(NGINX, ['-p', lbDir, '-c', nginxConf, '-g', 'daemon off;']);
    cleanups.push(() => nginx.stop('SIGQUIT'));

    const haproxyPort = await freeLowPort();
    const haproxyConf = join(lbDir, 'haproxy.cfg');
    writeFileSync(
      haproxyConf,
      haproxyFromGuide(fencedBlock(guide, 'HAProxy', 'haproxy'), haproxyPort, nodePorts),
    );
    const checked = (await run(HAPROXY, ['-c', '-f', haproxyConf])).output;
    assert.doesNotMatch(checked, /WARNING|ALERT/, `the guide's HAProxy block draws no warnings:\n${checked}`);
    const haproxy = launch(HAPROXY, ['-db', '-f', haproxyConf]);
    cleanups.push(() => haproxy.stop('SIGTERM'));

    const viaNginx = `http://127.0.0.1:${nginxPort}`;
    const viaHaproxy = `http://127.0.0.1:${haproxyPort}`;
    for (const lb of [viaNginx, viaHaproxy]) {
      await until(
        async () => (await fetch(`${lb}/healthz`)).status === 200,
        `${lb}/healthz through the proxy`,
      );
    }

    // 3. Users made with the real CLI: alice and bob through nginx, carol through HAProxy.
    const alice = tempDir('sotto-guide-alice-');
    const bob = tempDir('sotto-guide-bob-');
    const carol = tempDir('sotto-guide-carol-');
    const [ia] = await Promise.all([
      ok(alice, ['init', '--server', viaNginx, '--username', 'alice', '--json']),
      ok(bob, ['init', '--server', viaNginx, '--username', 'bob']),
      ok(carol, ['init', '--server', viaHaproxy, '--username', 'carol']),
    ]);
    const aliceAddress = (JSON.parse(ia.stdout) as { address: string }).address;
    assert.match(aliceAddress, /^sotto:/);
    assert.ok(
      aliceAddress.includes(String(nginxPort)),
      `alice's address names the nginx URL: ${aliceAddress}`,
    );
    await Promise.all([
      ok(alice, ['contact', 'add', 'bob', '@bob']),
      ok(bob, ['contact', 'add', 'alice', aliceAddress]),
      ok(carol, ['contact', 'add', 'alice', '@alice']),
    ]);

    const sockets = async () => [
      await metric(node1, 'sotto_relay_ws_authenticated'),
      await metric(node2, 'sotto_relay_ws_authenticated'),
    ];
    const accepted = async () => [
      await metric(node1, 'sotto_relay_envelopes_accepted_total'),
      await metric(node2, 'sotto_relay_envelopes_accepted_total'),
    ];
    const pushed = async () => [
      await metric(node1, 'sotto_relay_envelopes_pushed_total'),
      await metric(node2, 'sotto_relay_envelopes_pushed_total'),
    ];
    await until(async () => (await sockets()).every((n) => n === 0), 'no sockets left from set-up');

    // 4. Bob listens; least_conn then sends alice to the other node; the bus carries the hint over.
    const bobLive = liveInbox(bob);
    cleanups.push(() => bobLive.stop('SIGKILL'));
    await until(async () => (await sockets()).reduce((a, b) => a + b) === 1, "bob's socket on a node");
    const bobNode = (await sockets()).indexOf(1);
    const aliceNode = 1 - bobNode;
    const acceptedBefore = await accepted();
    const pushedBefore = await pushed();
    const publishedBefore = await redisCalls(d.redis.port, 'publish');
    await ok(alice, ['send', 'bob', 'hello bob, from the node next door']);
    const [, fromAlice] = await bobLive.waitFor(/^(\{.*"from":"alice".*\})$/m, "alice's message live at bob");
    assert.equal((JSON.parse(fromAlice!) as { text: string }).text, 'hello bob, from the node next door');
    assert.ok(
      (await accepted())[aliceNode]! > acceptedBefore[aliceNode]!,
      "alice's submit was accepted on the other node",
    );
    assert.ok((await pushed())[bobNode]! > pushedBefore[bobNode]!, "bob's node pushed it to bob");
    assert.ok(
      (await redisCalls(d.redis.port, 'publish')) > publishedBefore,
      "alice's node told bob's through the guide's Redis bus",
    );

    // 5. The other way: alice listens (least_conn puts her on the idle node), bob stops and replies.
    const aliceLive = liveInbox(alice);
    cleanups.push(() => aliceLive.stop('SIGKILL'));
    await until(async () => {
      const s = await sockets();
      return s[aliceNode] === 1 && s[bobNode] === 1;
    }, 'alice and bob listening on different nodes');
    assert.equal(await bobLive.stop('SIGINT'), 0, `bob's inbox exits 0:\n${bobLive.output()}`);
    await until(async () => (await sockets())[bobNode] === 0, "bob's socket closed");
    const acceptedMid = await accepted();
    await ok(bob, ['send', 'alice', 'hello alice, crossing back']);
    const [, fromBob] = await aliceLive.waitFor(/^(\{.*"from":"bob".*\})$/m, "bob's reply live at alice");
    assert.equal((JSON.parse(fromBob!) as { text: string }).text, 'hello alice, crossing back');
    assert.ok((await accepted())[bobNode]! > acceptedMid[bobNode]!, "bob's submit was accepted on his node");
    assert.equal(await aliceLive.stop('SIGINT'), 0, `alice's inbox exits 0:\n${aliceLive.output()}`);

    // 6. Carol, through HAProxy, writes to alice; alice reads it with a plain inbox through nginx.
    await ok(carol, ['send', 'alice', 'hi alice, via haproxy']);
    const [inA, histA, histB] = await Promise.all([
      ok(alice, ['inbox', '--json']),
      ok(alice, ['history', 'bob', '--json']),
      ok(bob, ['history', 'alice', '--json']),
    ]);
    assert.deepEqual(
      jsonLines(inA.stdout).map((m) => [m['from'], m['text']]),
      [['carol', 'hi alice, via haproxy']],
    );
    const conversation = (text: string) =>
      jsonLines(text)
        .map((m) => `${String(m['direction'])} ${String(m['text'])}`)
        .sort();
    assert.deepEqual(conversation(histA.stdout), [
      'in hello alice, crossing back',
      'out hello bob, from the node next door',
    ]);
    assert.deepEqual(conversation(histB.stdout), [
      'in hello bob, from the node next door',
      'out hello alice, crossing back',
    ]);

    // Both nodes are still healthy; the proxies ran clean.
    for (const n of d.nodes) assert.equal(n.proc.proc.exitCode, null, `node ${n.url} still running`);
    assert.equal(nginx.proc.exitCode, null, `nginx still running:\n${nginx.output()}`);
    assert.equal(haproxy.proc.exitCode, null, `haproxy still running:\n${haproxy.output()}`);
  });
});
