// Memory stays bounded under fuzzing: a relay in a child process (so only its own memory is measured)
// takes waves of hostile connections — random, mutated and oversized frames before and after AUTH,
// junk and oversized HTTP bodies — while an honest pair keeps messaging. After each wave a full GC
// runs in the child; the heap must not keep growing, the relay must answer /healthz, and the honest
// pair must still get every envelope.
import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { RelayClient } from '@sotto/wire';
import type { DeliverFrame, WebSocketCtor } from '@sotto/wire';
import { registerDevice } from './fixtures/accounts.js';
import { spawnTs } from './fixtures/child-process.js';
import { KNOWN_CODES, attacker, httpFuzz } from './helpers/fuzz.js';
import { envelopeId, waitFor } from './helpers/harness.js';
import type { RelayChildMemory } from './fixtures/relay-child.js';

const MIB = 1024 * 1024;
/** Attack waves measured after the warm-up wave. */
const WAVES = 2;
/** Hostile WebSocket clients per wave, each opening 8 connections in turn. */
const ATTACKERS = 6;
/**
 * The bound: heap (plus external/array buffers) after a full GC may grow at most this much from the
 * end of the warm-up wave to the end of the last wave. One wave opens 48 hostile connections and
 * sends ~1,200 frames (some 300 KB) and ~90 HTTP requests, so leaking each connection's session (~60 KB
 * with its socket state, measured by planting such a leak) or 20 KB per request would show; JIT and caches settle during the warm-up.
 */
const HEAP_GROWTH_BOUND = 4 * MIB;
/** RSS is noisier (the allocator keeps pages); it still must not grow without bound. */
const RSS_GROWTH_BOUND = 64 * MIB;

const cleanups: (() => void | Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** POSTs bodies larger than maxBodyBytes (and chunked ones): the relay must refuse them unread. */
async function oversizedBodies(url: string, statuses: number[]): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const res = await fetch(url + '/v1/accounts', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array(2 * MIB + i),
    }).catch(() => null); // the relay may cut the upload short: that is a refusal too
    if (res) {
      statuses.push(res.status);
      await res.arrayBuffer();
    }
  }
}

void describe('relay memory under fuzzing', () => {
  void it('heap stays within a fixed bound over waves of hostile connections; healthz and an honest pair keep working', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sotto-relay-mem-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = {
      port: 0,
      dataDir,
      logLevel: 'error',
      maxFrameBytes: 64 * 1024,
      maxBodyBytes: 1 * MIB,
      submitsPerConnectionPerSecond: 1000,
      authTimeoutSeconds: 2,
    };
    const child = await spawnTs(
      new URL('./fixtures/relay-child.ts', import.meta.url).pathname,
      [JSON.stringify(config), '--cheap-hash'],
      { nodeArgs: ['--expose-gc'] },
    );
    cleanups.push(async () => {
      child.proc.kill('SIGTERM');
      await child.exited;
    });
    const url = child.url;
    const memory = () => child.request<RelayChildMemory>({ op: 'memory' });

    const alice = await registerDevice(url);
    const bob = await registerDevice(url);
    const attackers = await Promise.all(Array.from({ length: ATTACKERS }, () => registerDevice(url)));
    const WS = WebSocket as unknown as WebSocketCtor;
    const got: DeliverFrame[] = [];
    const bobConn = new RelayClient({ url, WebSocket: WS, credentials: bob }).connect({
      onDeliver: (d) => {
        got.push(d);
        bobConn.ack(d.seq);
      },
    });
    const aliceConn = new RelayClient({ url, WebSocket: WS, credentials: alice }).connect();
    cleanups.push(() => {
      aliceConn.close();
      bobConn.close();
    });
    await Promise.all([bobConn.ready, aliceConn.ready]);

    let sent = 0;
    const wsErrors: string[] = [];
    const statuses: number[] = [];
    const httpCodes: string[] = [];
    const wave = async (n: number) => {
      const honest = (async () => {
        for (let i = 0; i < 20; i++) {
          const res = await aliceConn.submit(bob.accountId, [
            {
              deviceId: 1,
              registrationId: bob.registrationId,
              envelopeId: envelopeId(),
              envelopeType: 1,
              content: Uint8Array.of(sent & 0xff, (sent >> 8) & 0xff),
            },
          ]);
          assert.equal(res.results[0]!.status, 'Accepted');
          sent++;
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      await Promise.all([
        honest,
        ...attackers.map((a, i) => attacker(url, a, bob, 1000 * n + i, wsErrors)),
        httpFuzz(url, attackers[0]!, 77 + n, statuses, httpCodes, 40),
        httpFuzz(url, attackers[1]!, 177 + n, statuses, httpCodes, 40),
        oversizedBodies(url, statuses),
      ]);
    };

    const started = Date.now();
    await wave(0); // warm-up: JIT, prepared statements, credential cache
    const before = await memory();
    assert.ok(before.gc, 'the child runs with --expose-gc, so measurements are after a full GC');
    const samples: RelayChildMemory[] = [before];
    for (let n = 1; n <= WAVES; n++) {
      await wave(n);
      samples.push(await memory());
    }
    const last = samples.at(-1)!;
    const heap = (m: RelayChildMemory) => m.heapUsed + m.external;
    const fmt = (b: number) => `${(b / MIB).toFixed(1)} MiB`;
    const report = samples.map((m) => `heap+ext ${fmt(heap(m))} rss ${fmt(m.rss)}`).join('; ');
    assert.ok(
      heap(last) - heap(before) < HEAP_GROWTH_BOUND,
      `heap grew ${fmt(heap(last) - heap(before))} over ${WAVES} waves (bound ${fmt(HEAP_GROWTH_BOUND)}): ${report}`,
    );
    assert.ok(
      last.rss - before.rss < RSS_GROWTH_BOUND,
      `rss grew ${fmt(last.rss - before.rss)} (bound ${fmt(RSS_GROWTH_BOUND)}): ${report}`,
    );

    // Still up, still answering with documented codes, honest traffic complete and in order.
    assert.equal(await new RelayClient({ url }).health(), 'ok');
    // Attackers submit to bob too (their fuzz includes valid submits): count alice's only.
    const fromAlice = () => got.filter((d) => d.senderAccountId === alice.accountId);
    await waitFor(() => fromAlice().length === sent, 15_000, 'every honest envelope');
    assert.deepEqual(
      fromAlice().map((d) => d.content[0]! | (d.content[1]! << 8)),
      Array.from({ length: sent }, (_, i) => i & 0xffff),
    );
    assert.ok(wsErrors.length > 100, `hostile frames were answered (${wsErrors.length})`);
    for (const c of wsErrors) assert.ok(KNOWN_CODES.has(c), c);
    assert.ok(!statuses.includes(500), 'no request hit an internal error');
    assert.ok(statuses.includes(413), 'oversized bodies were refused with 413');
    for (const c of httpCodes) assert.ok(KNOWN_CODES.has(c), c);
    console.log(`# memory after warm-up and each wave: ${report}; ${Date.now() - started} ms`);
  });
});
