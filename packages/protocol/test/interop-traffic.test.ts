/**
 * ≥1,000 messages each way between Sotto and libsignal-client 0.103.0 with random (seeded
 * fast-check) interleaving, reordering and drops within libsignal's limits. Every message that
 * arrives must decrypt to what was sent; afterwards replays are rejected on both sides.
 */
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import * as SignalClient from '@signalapp/libsignal-client';
import { ProtocolAddress } from '../src/protocol-address.js';
import { isProtocolError } from '../src/errors.js';
import { LibsignalPeer } from './helpers/libsignal-peer.js';
import { SottoPeer, libsignalBundle } from './helpers/sotto-peer.js';

const te = new TextEncoder();
const td = new TextDecoder();
const PER_DIRECTION = 1_000;
/** A message waiting longer than this many steps is delivered next (keeps within 5 chains). */
const MAX_AGE = 6;
const REORDER_WINDOW = 4;

interface Side {
  name: string;
  send(text: string): Promise<{ type: number; body: Uint8Array }>;
  recv(type: number, body: Uint8Array): Promise<string>;
  isDuplicate(e: unknown): boolean;
}

interface InFlight {
  text: string;
  type: number;
  body: Uint8Array;
  born: number;
}

function xorshift(seed: number): () => number {
  let x = seed | 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

async function pair(sottoInitiates: boolean): Promise<[Side, Side]> {
  const s = new SottoPeer('sotto', 1);
  const l = new LibsignalPeer('libsignal', 2);
  const sAddrOfL = ProtocolAddress.new('libsignal', 2);
  const lAddrOfS = SignalClient.ProtocolAddress.new('sotto', 1);
  if (sottoInitiates) {
    const { raw } = await l.makeBundle(true);
    await s.processBundle(raw, sAddrOfL);
  } else {
    await l.processBundle(libsignalBundle(await s.makeBundle(true)), lAddrOfS);
  }
  const sotto: Side = {
    name: 'sotto',
    send: (t) => s.encrypt(te.encode(t), sAddrOfL),
    recv: async (type, body) => td.decode(await s.decrypt(type, body, sAddrOfL)),
    isDuplicate: (e) => isProtocolError(e, 'DuplicateMessage'),
  };
  const lib: Side = {
    name: 'libsignal',
    send: (t) => l.encrypt(te.encode(t), lAddrOfS),
    recv: async (type, body) => td.decode(await l.decrypt(type, body, lAddrOfS)),
    isDuplicate: (e) => (e as { code?: unknown }).code === SignalClient.ErrorCode.DuplicatedMessage,
  };
  return sottoInitiates ? [sotto, lib] : [lib, sotto];
}

async function runTraffic(seed: number, sottoInitiates: boolean): Promise<void> {
  const rand = xorshift(seed);
  const [a, b] = await pair(sottoInitiates);
  // Handshake: the initiator's first message and one reply, so the session is acknowledged.
  const first = await a.send('hello');
  assert.equal(first.type, 3);
  assert.equal(await b.recv(first.type, first.body), 'hello');
  const reply = await b.send('welcome');
  assert.equal(await a.recv(reply.type, reply.body), 'welcome');

  const sides = [a, b] as const;
  const queues: InFlight[][] = [[], []]; // queues[i]: sent by sides[i], to the other side
  const sent = [0, 0];
  const delivered: InFlight[][] = [[], []];
  let dropped = 0;
  let step = 0;
  while (sent[0]! < PER_DIRECTION || sent[1]! < PER_DIRECTION || queues[0]!.length || queues[1]!.length) {
    step++;
    const from = rand() < 0.5 ? 0 : 1;
    const q = queues[from]!;
    const forced = q.length > 0 && step - q[0]!.born > MAX_AGE;
    if (!forced && sent[from]! < PER_DIRECTION && (q.length === 0 || rand() < 0.55)) {
      const text = `${sides[from].name}#${sent[from]}`;
      const m = await sides[from].send(text);
      q.push({ text, ...m, born: step });
      sent[from]!++;
      continue;
    }
    if (q.length === 0) continue;
    const i = forced ? 0 : Math.floor(rand() * Math.min(REORDER_WINDOW, q.length));
    const [m] = q.splice(i, 1);
    if (!forced && rand() < 0.03) {
      dropped++;
      continue;
    }
    const to = sides[1 - from]!;
    assert.equal(await to.recv(m!.type, m!.body), m!.text, `${to.name} decrypts ${m!.text}`);
    delivered[from]!.push(m!);
  }
  assert.ok(sent[0]! >= PER_DIRECTION && sent[1]! >= PER_DIRECTION);
  assert.ok(dropped > 0, 'some messages were dropped');
  // Replays are rejected on both sides: recent ones as duplicates; ones from chains that have
  // since been dropped (more than 5 ratchet steps ago) simply fail to decrypt.
  for (const from of [0, 1]) {
    const to = sides[1 - from]!;
    for (const m of delivered[from]!.slice(-3)) {
      await assert.rejects(to.recv(m.type, m.body), (e) => to.isDuplicate(e), `${to.name} flags a duplicate`);
    }
    for (const m of delivered[from]!.slice(0, 2)) {
      await assert.rejects(to.recv(m.type, m.body), `${to.name} rejects an old replay`);
    }
  }
}

void describe('random traffic with libsignal-client 0.103.0', () => {
  void it('Sotto initiates: ≥1,000 messages each way, reordered and partly dropped, all decrypt', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), (seed) => runTraffic(seed, true)),
      { numRuns: 1 },
    );
  });

  void it('libsignal initiates: ≥1,000 messages each way, reordered and partly dropped, all decrypt', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), (seed) => runTraffic(seed, false)),
      { numRuns: 1 },
    );
  });
});
