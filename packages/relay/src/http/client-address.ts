// The key a per-address limit counts under. IPv4 addresses count one by one; an IPv6 client is
// counted by its /64, because one subscriber is usually handed a whole /64 and could otherwise take
// a fresh address for every request. IPv4-mapped IPv6 (a dual-stack listener's view of an IPv4
// client) counts as the IPv4 address. The key lives only in memory (never stored or logged).
import { isIPv4, isIPv6 } from 'node:net';

/** What a per-address limit counts `address` (a socket's `remoteAddress`) under. */
export function addressKey(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  if (isIPv4(address)) return address;
  const bare = address.split('%', 1)[0]!; // a link-local zone id names our interface, not the client
  if (!isIPv6(bare)) return 'unknown';
  const g = ipv6Groups(bare);
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `${g[6]! >> 8}.${g[6]! & 0xff}.${g[7]! >> 8}.${g[7]! & 0xff}`;
  }
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of an address `isIPv6` accepted (with `::` and a dotted IPv4 tail). */
function ipv6Groups(address: string): number[] {
  const parse = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const gap = address.indexOf('::');
  if (gap < 0) return parse(address);
  const head = parse(address.slice(0, gap));
  const tail = parse(address.slice(gap + 2));
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}
