// Closing a RelayConnection: a result already on its way still arrives, but a submit whose relay
// stopped answering is rejected with Closed after a short grace, not when the close handshake or the
// submit times out (30 s each).
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { decodeFrame, encodeFrame } from '../src/frame-codec.js';
import { RelayError } from '../src/errors.js';
import { CLOSE_ANSWER_GRACE_MS, RelayConnection } from '../src/relay-connection.js';
import type { WebSocketLike } from '../src/transport.js';

/**
 * A socket whose relay answers AUTH and then, if `answerAfterMs` is set, each submit that long
 * later; it never completes a close handshake.
 */
class RelaySocket implements WebSocketLike {
  static answerAfterMs: number | undefined;
  binaryType = 'arraybuffer';
  readyState = 0;
  bufferedAmount = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  private sent = 0;
  constructor(_url: string) {
    setImmediate(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }
  send(data: Uint8Array): void {
    if (++this.sent === 1) {
      const ok = encodeFrame({ type: 'authOk', serverTime: 1 });
      setImmediate(() => this.onmessage?.({ data: ok.slice().buffer }));
      return;
    }
    const after = RelaySocket.answerAfterMs;
    if (after === undefined) return; // frozen: unanswered
    const frame = decodeFrame(data);
    if (frame.type !== 'submit') return;
    const result = encodeFrame({
      type: 'submitResult',
      requestId: frame.requestId,
      error: null,
      missingDevices: [],
      extraDevices: [],
      staleDevices: [],
      results: [{ deviceId: 1, status: 'Accepted' }],
    });
    setTimeout(() => this.onmessage?.({ data: result.slice().buffer }), after);
  }
  close(): void {
    this.readyState = 2; // closing, for good: no close frame ever comes back
  }
}

async function connected(): Promise<RelayConnection> {
  const conn = new RelayConnection(
    'ws://relay.invalid/v1/ws',
    RelaySocket,
    { accountId: '00000000-0000-4000-8000-000000000001', deviceId: 1, secret: new Uint8Array(32) },
    {},
    { reconnect: false, submitTimeoutMs: 60_000 },
  );
  await conn.ready;
  return conn;
}

const submitOne = (conn: RelayConnection) =>
  conn.submit('00000000-0000-4000-8000-000000000002', [
    {
      deviceId: 1,
      registrationId: 1,
      envelopeId: new Uint8Array(16),
      envelopeType: 1,
      content: new Uint8Array(8),
    },
  ]);

void describe('RelayConnection.close() with submits awaiting their results', () => {
  void it('still delivers a result that arrives during the grace', async () => {
    RelaySocket.answerAfterMs = 100;
    const conn = await connected();
    const submit = submitOne(conn);
    conn.close();
    const r = await submit;
    assert.deepEqual(r.results, [{ deviceId: 1, status: 'Accepted' }]);
  });

  void it('rejects a submit the relay never answers with Closed after the grace, not after 30 s', async () => {
    RelaySocket.answerAfterMs = undefined;
    const conn = await connected();
    const submit = submitOne(conn);
    let settled = false;
    submit.catch(() => undefined).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(settled, false, 'unanswered before close');
    conn.close();
    const late = new Promise<never>((_, reject) => {
      setTimeout(
        () => reject(new Error(`still pending ${CLOSE_ANSWER_GRACE_MS + 2000} ms after close()`)),
        CLOSE_ANSWER_GRACE_MS + 2000,
      ).unref();
    });
    await assert.rejects(Promise.race([submit, late]), (e) => RelayError.is(e, 'Closed'));
  });
});
