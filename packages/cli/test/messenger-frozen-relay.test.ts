// A relay that lets the client in and then stops answering (a hung process, or a path that went
// half-open after the connection was set up): `send` gives up after --timeout with exit 3 instead of
// waiting forever (the outbox retries a timed-out submit for as long as the connection lasts), and
// the message stays queued: the next command, once the relay answers again, delivers it.
import { after, describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { okInProcess, relayForFile, sotto, sottoInProcess, tempDir } from './sotto-harness.js';

const relay = relayForFile();

/**
 * A TCP proxy on loopback to `target`. While `freezing` is set, each new WebSocket connection is
 * forwarded through its upgrade and first frame (AUTH) and its answers; from the client's next
 * write on, nothing more is forwarded either way, but both sockets stay open.
 */
async function freezingProxy(target: URL): Promise<{ url: string; freezing: boolean; close(): void }> {
  const sockets = new Set<Socket>();
  const proxy = {
    url: '',
    freezing: false,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), '127.0.0.1');
    const freezeThis = proxy.freezing;
    let writes = 0;
    let websocket = false;
    let frozen = false;
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined).on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (d: Buffer) => {
      if (++writes === 1) websocket = /^upgrade: *websocket/im.test(d.toString('latin1'));
      if (websocket && freezeThis && writes >= 3) frozen = true;
      if (!frozen) upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (!frozen) client.write(d);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

void describe('a relay that stops answering once the client is in', () => {
  let proxy: Awaited<ReturnType<typeof freezingProxy>> | undefined;
  after(() => proxy?.close());

  void it('send exits 3 after --timeout, and the queued message goes out with the next command', async () => {
    proxy = await freezingProxy(new URL(relay.url));
    const [alice, bob] = [tempDir(), tempDir()];
    const suffix = Math.random().toString(36).slice(2, 8);
    await okInProcess(alice, ['init', '--server', proxy.url]);
    await okInProcess(bob, ['init', '--server', relay.url, '--username', `bob_${suffix}`]);
    await okInProcess(alice, ['contact', 'add', 'bob', `@bob_${suffix}`]);

    proxy.freezing = true;
    const started = Date.now();
    const frozen = await sotto(alice, ['send', 'bob', 'sent into the void', '--timeout', '2']);
    assert.equal(frozen.code, 3, `exit ${frozen.code}: ${frozen.stderr}`);
    assert.match(frozen.stderr, /^error: the relay did not accept the message within 2 s; it stays queued/m);
    assert.ok(Date.now() - started < 20_000, 'gave up within seconds');

    proxy.freezing = false;
    await okInProcess(alice, ['send', 'bob', 'and this one']);
    const inbox = await okInProcess(bob, ['inbox', '--json']);
    const texts = inbox.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { text: string }).text);
    assert.deepEqual(texts, ['sent into the void', 'and this one']);
  });

  void it('refuses a --timeout that is not more than 0 and at most 3600 seconds', async () => {
    const home = tempDir();
    for (const bad of ['0', '-1', 'abc', '3601']) {
      const r = await sottoInProcess(home, ['send', 'bob', 'hi', '--timeout', bad]);
      assert.equal(r.code, 2, `--timeout ${bad}: exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, /invalid --timeout/);
    }
  });
});
