// Attacks on DELIVER frames (what a hostile relay can do to the envelopes it pushes), as pure
// functions, and small combinators that turn them into per-connection rules for the proxy.
import type { DeliverFrame, Frame, SubmitResultFrame } from '@sotto/wire';
import type { FrameRule, ProxiedConnection } from './hostile-relay.js';

/** Flips one bit of the ciphertext (`at` may be negative: counted from the end). */
export function flipBit(d: DeliverFrame, at = -3, mask = 0x01): DeliverFrame {
  const content = d.content.slice();
  const i = at < 0 ? content.length + at : at;
  content[i]! ^= mask;
  return { ...d, content };
}

/** Cuts `bytes` off the end of the ciphertext. */
export function truncate(d: DeliverFrame, bytes = 5): DeliverFrame {
  return { ...d, content: d.content.slice(0, Math.max(0, d.content.length - bytes)) };
}

/** Appends bytes to the ciphertext. */
export function extend(d: DeliverFrame, extra: Uint8Array = Uint8Array.of(1, 2, 3)): DeliverFrame {
  const content = new Uint8Array(d.content.length + extra.length);
  content.set(d.content);
  content.set(extra, d.content.length);
  return { ...d, content };
}

/**
 * Rewrites the message version nibbles (first byte of a Signal message: current << 4 | minimum) to an
 * older version, e.g. 2 (pre-PQXDH): what a downgrade attack must get past.
 */
export function downgradeVersion(d: DeliverFrame, version = 2): DeliverFrame {
  const content = d.content.slice();
  content[0] = (version << 4) | version;
  return { ...d, content };
}

/** Relabels the envelope as sent by another account/device (the relay stamps senders: it can lie). */
export function forgeSender(d: DeliverFrame, accountId: string, deviceId = d.senderDeviceId): DeliverFrame {
  return { ...d, senderAccountId: accountId, senderDeviceId: deviceId };
}

/** The same envelope again under a fresh envelope id and another seq (a replay, not a retry). */
export function replayAs(d: DeliverFrame, seq: number): DeliverFrame {
  return { ...d, seq, envelopeId: d.envelopeId.map((b) => b ^ 0xff) };
}

/** An envelope the relay makes up: `content` (junk by default) "from" `accountId`. */
export function forgedDeliver(
  accountId: string,
  seq: number,
  content: Uint8Array = Uint8Array.from({ length: 120 }, (_, i) => (i * 7 + seq) & 0xff),
  envelopeType = 2,
): DeliverFrame {
  return {
    type: 'deliver',
    seq,
    envelopeId: Uint8Array.from({ length: 16 }, (_, i) => (i + seq) & 0xff),
    senderAccountId: accountId,
    senderDeviceId: 1,
    serverTimestamp: Date.now(),
    envelopeType,
    content,
  };
}

/** An "Accepted" answer to a submit the relay never stored (a false claim of acceptance). */
export function falselyAccepted(f: Extract<Frame, { type: 'submit' }>): SubmitResultFrame {
  return {
    type: 'submitResult',
    requestId: f.requestId,
    error: null,
    missingDevices: [],
    extraDevices: [],
    staleDevices: [],
    results: f.envelopes.map((e) => ({ deviceId: e.deviceId, status: 'Accepted' as const })),
  };
}

/** A rule that applies `attack` to DELIVER frames for `accountId` (every account if null). */
export function onDeliver(
  accountId: string | null,
  attack: (d: DeliverFrame, n: number, conn: ProxiedConnection) => Frame[],
): FrameRule {
  let n = 0;
  return (f, conn) => {
    if (f.type !== 'deliver' || (accountId !== null && conn.accountId !== accountId)) return [f];
    return attack(f, ++n, conn);
  };
}

/** A rule that applies `attack` to the first `count` DELIVER frames for `accountId` only. */
export function firstDelivers(
  accountId: string | null,
  count: number,
  attack: (d: DeliverFrame) => Frame[],
): FrameRule {
  return onDeliver(accountId, (d, n) => (n <= count ? attack(d) : [d]));
}

/**
 * Holds DELIVER frames for `accountId` back while `holding` says so (a delaying relay), and releases
 * them, in the order they were held, through the same connection when `release()` is called.
 */
export function holdBack(accountId: string, holding: (d: DeliverFrame, n: number) => boolean) {
  const held: { d: DeliverFrame; conn: ProxiedConnection }[] = [];
  const rule = onDeliver(accountId, (d, n, conn) => {
    if (!holding(d, n)) return [d];
    held.push({ d, conn });
    return [];
  });
  return {
    rule,
    get held(): number {
      return held.length;
    },
    release(): void {
      for (const { d, conn } of held.splice(0)) conn.toClient(d);
    },
  };
}
