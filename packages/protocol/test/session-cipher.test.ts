/** Sotto ↔ Sotto sessions: delivery-order properties, limits, expiry and error codes. */
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { isProtocolError } from '../src/errors.js';
import { ProtocolAddress } from '../src/protocol-address.js';
import { SessionRecord } from '../src/session-record.js';
import { SottoPeer, establishedPeers } from './helpers/sotto-peer.js';

const te = new TextEncoder();
const td = new TextDecoder();

void describe('signalEncrypt / signalDecrypt between two Sotto devices', () => {
  void it('decrypts any delivery order of any interleaving (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
        async (senders, picks) => {
          const { a, b } = await establishedPeers();
          const peers = [a, b] as const;
          const inFlight: { to: 0 | 1; text: string; type: number; body: Uint8Array }[] = [];
          for (const [i, fromA] of senders.entries()) {
            const from = fromA ? 0 : 1;
            const text = `m${i}`;
            const m = await peers[from].encrypt(te.encode(text), peers[1 - from]!.address);
            inFlight.push({ to: (1 - from) as 0 | 1, text, ...m });
          }
          let k = 0;
          while (inFlight.length) {
            const [m] = inFlight.splice(picks[k++ % picks.length]! % inFlight.length, 1);
            const to = peers[m!.to];
            const from = peers[1 - m!.to]!;
            assert.equal(td.decode(await to.decrypt(m!.type, m!.body, from.address)), m!.text);
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  void it('keeps the 2,000 newest skipped keys of a chain and refuses a jump over 25,000', async () => {
    const { a, b } = await establishedPeers();
    const sent = [];
    for (let i = 0; i < 2_010; i++) sent.push(await a.encrypt(te.encode(`n${i}`), b.address));
    const last = sent.at(-1)!;
    assert.equal(td.decode(await b.decrypt(last.type, last.body, a.address)), 'n2009');
    assert.equal(td.decode(await b.decrypt(sent[100]!.type, sent[100]!.body, a.address)), 'n100');
    await assert.rejects(b.decrypt(sent[5]!.type, sent[5]!.body, a.address), (e) => isProtocolError(e));
    // Jump: move Alice's sending counter 25,001 ahead (keys need not match: the check comes first).
    const rec = (await a.sessions.getSession(b.address))!;
    rec.currentState!.sender.index += 25_001;
    await a.sessions.saveSession(b.address, rec);
    const far = await a.encrypt(te.encode('far'), b.address);
    await assert.rejects(b.decrypt(far.type, far.body, a.address), (e) =>
      isProtocolError(e, 'TooManySkippedKeys'),
    );
  });

  void it('a replay is a DuplicateMessage and leaves the session working', async () => {
    const { a, b } = await establishedPeers();
    const m = await a.encrypt(te.encode('once'), b.address);
    await b.decrypt(m.type, m.body, a.address);
    await assert.rejects(b.decrypt(m.type, m.body, a.address), (e) => isProtocolError(e, 'DuplicateMessage'));
    const n = await a.encrypt(te.encode('twice'), b.address);
    assert.equal(td.decode(await b.decrypt(n.type, n.body, a.address)), 'twice');
  });

  void it('an unacknowledged session expires after 30 days (injectable clock)', async () => {
    const a = new SottoPeer('alice', 1);
    const b = new SottoPeer('bob', 1);
    const t0 = Date.UTC(2026, 0, 1);
    await a.processBundle(await b.makeBundle(false), b.address, t0);
    assert.equal((await a.encrypt(te.encode('x'), b.address, t0 + 29 * 86_400_000)).type, 3);
    await assert.rejects(a.encrypt(te.encode('x'), b.address, t0 + 31 * 86_400_000), (e) =>
      isProtocolError(e, 'SessionExpired'),
    );
  });

  void it('NoSession without a session; unknown prekey ids are typed errors', async () => {
    const a = new SottoPeer('alice', 1);
    const b = new SottoPeer('bob', 1);
    await assert.rejects(a.encrypt(te.encode('x'), b.address), (e) => isProtocolError(e, 'NoSession'));
    const bundle = await b.makeBundle(true);
    await a.processBundle(bundle, b.address);
    const m = await a.encrypt(te.encode('x'), b.address);
    const fresh = new SottoPeer('bob', 1); // lost its prekeys
    await fresh.identities.saveIdentity(a.address, a.identity.publicKey);
    await assert.rejects(fresh.decrypt(m.type, m.body, a.address), (e) =>
      isProtocolError(e, 'InvalidSignedPreKeyId'),
    );
  });

  void it('a new session archives the old one, which still decrypts late messages', async () => {
    const { a, b } = await establishedPeers();
    const late = await a.encrypt(te.encode('late'), b.address);
    // Bob re-initiates (e.g. after a reinstall of nothing): a second session from Bob's side.
    await b.processBundle(await a.makeBundle(true), a.address);
    const m = await b.encrypt(te.encode('new'), a.address);
    assert.equal(m.type, 3);
    assert.equal(td.decode(await a.decrypt(m.type, m.body, b.address)), 'new');
    const recA = SessionRecord.deserialize(a.sessions.rawSession(b.address)!);
    assert.equal(recA.previousStateCount, 1);
    assert.equal(td.decode(await b.decrypt(late.type, late.body, a.address)), 'late', 'archived state used');
  });

  void it('addresses are bound into first messages when names are service ids', async () => {
    const A = '11111111-2222-4333-8444-555555555555';
    const a = new SottoPeer(A, 1);
    const b = new SottoPeer('PNI:66666666-7777-4888-8999-aaaaaaaaaaaa', 2);
    await a.processBundle(await b.makeBundle(false), b.address);
    const m = await a.encrypt(te.encode('x'), b.address);
    const wrong = ProtocolAddress.new(A, 3); // Bob believes it came from another device
    await b.identities.saveIdentity(wrong, a.identity.publicKey);
    await assert.rejects(b.decrypt(m.type, m.body, wrong), (e) => isProtocolError(e, 'InvalidMac'));
    assert.equal(td.decode(await b.decrypt(m.type, m.body, a.address)), 'x');
  });
});

void describe('crypto providers', () => {
  void it('a node:crypto device and a noble device talk both ways (same bytes)', async () => {
    const { nodeCrypto } = await import('../src/node/index.js');
    const { nobleCrypto } = await import('../src/noble-provider.js');
    const a = new SottoPeer('alice', 1, nodeCrypto);
    const b = new SottoPeer('bob', 1, nobleCrypto);
    await a.processBundle(await b.makeBundle(true), b.address);
    for (let i = 0; i < 4; i++) {
      const m = await a.encrypt(te.encode(`a${i}`), b.address);
      assert.equal(td.decode(await b.decrypt(m.type, m.body, a.address)), `a${i}`);
      const r = await b.encrypt(te.encode(`b${i}`), a.address);
      assert.equal(td.decode(await a.decrypt(r.type, r.body, b.address)), `b${i}`);
    }
  });
});
