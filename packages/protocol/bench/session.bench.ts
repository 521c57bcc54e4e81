/**
 * Session benchmark: Sotto vs libsignal-client 0.103.0, in one process, interleaved round by
 * round (BENCH.md). Both sides use in-memory stores that keep SERIALISED records, as a
 * database-backed store must. Sotto runs on the node:crypto provider.
 *
 *   npm run bench -w @sotto/protocol            # table
 *   npm run bench -w @sotto/protocol -- --json  # one JSON object on stdout
 *
 * Results: `setup` (full PQXDH both sides: bundle → first message → decrypted, per second),
 * `one-way` (100-byte messages encrypted by one side and decrypted by the other, msgs/s),
 * `ping-pong` (strict alternation, so every message is a DH ratchet step, msgs/s).
 */
import { cpus } from 'node:os';
import { nodeCrypto } from '../src/node/index.js';
import { ProtocolAddress } from '../src/protocol-address.js';
import { LibsignalPeer } from '../test/helpers/libsignal-peer.js';
import { SottoPeer } from '../test/helpers/sotto-peer.js';

const json = process.argv.includes('--json');
const ROUNDS = 7;
const ROUND_MS = { 'one-way': 500, 'ping-pong': 500, setup: 500 } as const;
const MAX_OPS = 50_000;
const PAYLOAD = new Uint8Array(100).fill(0x61);

type Name = keyof typeof ROUND_MS;

interface Impl {
  /** Runs ops for about `ms` (bounded by count too) and returns ops/s. */
  run(name: Name, ms: number): Promise<number>;
}

async function timed(ms: number, op: () => Promise<number>): Promise<number> {
  const start = performance.now();
  let n = 0;
  while (n < MAX_OPS) {
    n += await op();
    if (performance.now() - start >= ms) break;
  }
  return (n * 1000) / (performance.now() - start);
}

async function sottoImpl(): Promise<Impl> {
  const bob = new SottoPeer('bob', 1, nodeCrypto);
  const bobBundle = await bob.makeBundle(false, { lastResortKyber: true });
  // A long-lived session for the message benchmarks.
  const alice = new SottoPeer('alice', 1, nodeCrypto);
  await alice.processBundle(bobBundle, bob.address);
  const first = await alice.encrypt(PAYLOAD, bob.address);
  await bob.decrypt(first.type, first.body, alice.address);
  const ack = await bob.encrypt(PAYLOAD, alice.address);
  await alice.decrypt(ack.type, ack.body, bob.address);
  let setups = 0;
  return {
    async run(name, ms) {
      if (name === 'setup') {
        return timed(ms, async () => {
          const addr = ProtocolAddress.new(`alice-${setups++}`, 1);
          const a = new SottoPeer(addr.name, 1, nodeCrypto);
          await a.processBundle(bobBundle, bob.address);
          const m = await a.encrypt(PAYLOAD, bob.address);
          await bob.decrypt(m.type, m.body, addr);
          return 1;
        });
      }
      if (name === 'one-way') {
        return timed(ms, async () => {
          const m = await alice.encrypt(PAYLOAD, bob.address);
          await bob.decrypt(m.type, m.body, alice.address);
          return 1;
        });
      }
      return timed(ms, async () => {
        const m = await alice.encrypt(PAYLOAD, bob.address);
        await bob.decrypt(m.type, m.body, alice.address);
        const r = await bob.encrypt(PAYLOAD, alice.address);
        await alice.decrypt(r.type, r.body, bob.address);
        return 2;
      });
    },
  };
}

async function libsignalImpl(): Promise<Impl> {
  const bob = new LibsignalPeer('bob', 1);
  const { bundle } = await bob.makeBundle(false);
  const alice = new LibsignalPeer('alice', 1);
  await alice.processBundle(bundle, bob.address);
  const first = await alice.encrypt(PAYLOAD, bob.address);
  await bob.decrypt(first.type, first.body, alice.address);
  const ack = await bob.encrypt(PAYLOAD, alice.address);
  await alice.decrypt(ack.type, ack.body, bob.address);
  let setups = 0;
  return {
    async run(name, ms) {
      if (name === 'setup') {
        return timed(ms, async () => {
          const a = new LibsignalPeer(`alice-${setups++}`, 1);
          await a.processBundle(bundle, bob.address);
          const m = await a.encrypt(PAYLOAD, bob.address);
          await bob.decrypt(m.type, m.body, a.address);
          return 1;
        });
      }
      if (name === 'one-way') {
        return timed(ms, async () => {
          const m = await alice.encrypt(PAYLOAD, bob.address);
          await bob.decrypt(m.type, m.body, alice.address);
          return 1;
        });
      }
      return timed(ms, async () => {
        const m = await alice.encrypt(PAYLOAD, bob.address);
        await bob.decrypt(m.type, m.body, alice.address);
        const r = await bob.encrypt(PAYLOAD, alice.address);
        await alice.decrypt(r.type, r.body, bob.address);
        return 2;
      });
    },
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log('preparing sessions…');
  const sotto = await sottoImpl();
  const lib = await libsignalImpl();
  // Warm-up (JIT, native module) before measuring.
  for (const name of Object.keys(ROUND_MS) as Name[]) {
    await sotto.run(name, 150);
    await lib.run(name, 150);
  }
  const results = [];
  for (const name of Object.keys(ROUND_MS) as Name[]) {
    const values: number[] = [];
    const baselines: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first so drift on a shared machine does not favour one side.
      let v: number;
      let b: number;
      if (round % 2 === 0) {
        v = await sotto.run(name, ROUND_MS[name]);
        b = await lib.run(name, ROUND_MS[name]);
      } else {
        b = await lib.run(name, ROUND_MS[name]);
        v = await sotto.run(name, ROUND_MS[name]);
      }
      values.push(v);
      baselines.push(b);
      ratios.push(v / b);
      log(`${name} round ${round + 1}/${ROUNDS}: sotto ${v.toFixed(0)}/s, libsignal ${b.toFixed(0)}/s`);
    }
    const value = median(values);
    results.push({
      name,
      unit: name === 'setup' ? 'setups/s' : 'msgs/s',
      value: Math.round(value),
      baseline_name: 'libsignal-client 0.103.0',
      baseline: Math.round(median(baselines)),
      ratio: Number(median(ratios).toFixed(2)),
      rounds: ROUNDS,
      spread: Number(((Math.max(...values) - Math.min(...values)) / value).toFixed(2)),
    });
  }
  const out = {
    benchmark: 'protocol',
    machine: { node: process.version, cpus: cpus().length },
    results,
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  const rows = [['result', 'sotto', 'libsignal-client 0.103.0', 'ratio (median)', 'spread']];
  for (const r of results) {
    rows.push([r.name, `${r.value} ${r.unit}`, `${r.baseline} ${r.unit}`, `${r.ratio}x`, `${r.spread}`]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  console.log(
    `(${ROUNDS} interleaved rounds, node ${process.version}, ${cpus().length} cpus; Sotto on node:crypto)`,
  );
}

await main();
