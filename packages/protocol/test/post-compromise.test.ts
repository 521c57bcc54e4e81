/**
 * Post-compromise security (Double Ratchet §1, "break-in recovery"): an attacker who copies a device's
 * session state can read what is encrypted under the keys in that copy, but once the real devices
 * have completed a DH ratchet round trip the copy is useless for everything sent afterwards.
 */
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { isProtocolError } from '../src/errors.js';
import { SessionRecord } from '../src/session-record.js';
import { SottoPeer } from './helpers/sotto-peer.js';

const te = new TextEncoder();
const td = new TextDecoder();

void describe('post-compromise security', () => {
  void it("a stolen copy of bob's session reads the next message, and nothing after one ratchet round trip", async () => {
    const a = new SottoPeer('alice', 1);
    const b = new SottoPeer('bob', 1);
    await a.processBundle(await b.makeBundle(true), b.address);
    const hi = await a.encrypt(te.encode('hi'), b.address);
    await b.decrypt(hi.type, hi.body, a.address);
    const hey = await b.encrypt(te.encode('hey'), a.address);
    await a.decrypt(hey.type, hey.body, b.address);

    // The compromise: the attacker copies bob's whole session state for alice.
    const thief = new SottoPeer('bob', 1);
    await thief.sessions.saveSession(a.address, SessionRecord.deserialize(b.sessions.rawSession(a.address)!));

    // Control: alice's next message is keyed from bob's current ratchet key, which the copy holds.
    const before = await a.encrypt(te.encode('before healing'), b.address);
    assert.equal(td.decode(await thief.decrypt(before.type, before.body, a.address)), 'before healing');
    assert.equal(td.decode(await b.decrypt(before.type, before.body, a.address)), 'before healing');

    // Healing: bob answers with a fresh ratchet key the attacker never saw the private half of, and
    // alice's next message mixes it into the root key.
    const reply = await b.encrypt(te.encode('reply'), a.address);
    assert.equal(td.decode(await a.decrypt(reply.type, reply.body, b.address)), 'reply');
    const after = await a.encrypt(te.encode('after healing'), b.address);
    await assert.rejects(thief.decrypt(after.type, after.body, a.address), (e) => isProtocolError(e));
    assert.equal(td.decode(await b.decrypt(after.type, after.body, a.address)), 'after healing');
    // And it stays healed: later messages in both directions are closed to the copy too.
    const later = await a.encrypt(te.encode('later'), b.address);
    await assert.rejects(thief.decrypt(later.type, later.body, a.address), (e) => isProtocolError(e));
    assert.equal(td.decode(await b.decrypt(later.type, later.body, a.address)), 'later');
  });
});
