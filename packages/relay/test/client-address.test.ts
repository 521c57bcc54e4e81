// The key a per-address limit counts a client under (src/http/client-address.ts).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { addressKey } from '../src/http/client-address.js';

/** An IPv6 address written out in full: eight groups of four hex digits. */
const fullIpv6 = (groups: readonly number[]) => groups.map((g) => g.toString(16).padStart(4, '0')).join(':');
const groups8 = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 });

void describe('addressKey', () => {
  void it('counts IPv4 addresses one by one', () => {
    assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
    assert.notEqual(addressKey('203.0.113.7'), addressKey('203.0.113.8'));
  });

  void it('counts an IPv4-mapped IPv6 address as its IPv4 address, however it is written', () => {
    assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::ffff:cb00:7107'), '203.0.113.7');
    assert.equal(addressKey('0:0:0:0:0:ffff:203.0.113.7'), '203.0.113.7');
  });

  void it('counts IPv6 clients by their /64, ignoring a zone id', () => {
    assert.equal(addressKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8:1:2::99'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
  });

  void it('puts anything else (no address, not an IP) in one shared bucket', () => {
    assert.equal(addressKey(undefined), 'unknown');
    assert.equal(addressKey('not-an-address'), 'unknown');
    assert.equal(addressKey('2001:db8::1::2'), 'unknown');
  });

  void it('gives two IPv6 addresses the same key exactly when their first 64 bits agree', () => {
    fc.assert(
      fc.property(groups8, groups8, (a, b) => {
        // Keep IPv4-mapped addresses out: they are counted as IPv4 (tested above).
        fc.pre(!(a.slice(0, 5).every((x) => x === 0) && a[5] === 0xffff));
        fc.pre(!(b.slice(0, 5).every((x) => x === 0) && b[5] === 0xffff));
        const same = a.slice(0, 4).every((x, i) => x === b[i]);
        assert.equal(addressKey(fullIpv6(a)) === addressKey(fullIpv6(b)), same);
      }),
    );
  });

  void it('gives an address the same key whichever way it is written (compressed or in full)', () => {
    fc.assert(
      fc.property(groups8, fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 8 }), (g, at, len) => {
        // Zero a run and write it with "::", as a compressed address does.
        const n = Math.min(len, 8 - at);
        const zeroed = g.map((x, i) => (i >= at && i < at + n ? 0 : x));
        const hex = zeroed.map((x) => x.toString(16));
        const compressed = `${hex.slice(0, at).join(':')}::${hex.slice(at + n).join(':')}`;
        assert.equal(addressKey(compressed), addressKey(fullIpv6(zeroed)));
      }),
    );
  });
});
