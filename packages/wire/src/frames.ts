// WebSocket frame types (one binary frame per WebSocket message). Byte layout: see frame-codec.ts and
// docs/relay-api.md. Account ids are lower-case UUID strings here and 16 raw bytes on the wire.
import type { RelayErrorCode } from './errors.js';

export const FRAME_TYPE = {
  auth: 0x01,
  authOk: 0x02,
  error: 0x03,
  submit: 0x10,
  submitResult: 0x11,
  deliver: 0x20,
  ack: 0x21,
  queueEmpty: 0x22,
  ping: 0x30,
  pong: 0x31,
} as const;

export type FrameTypeName = keyof typeof FRAME_TYPE;

/** Client -> relay, first frame: credentials (browsers cannot set WS headers; secrets never go in URLs). */
export interface AuthFrame {
  type: 'auth';
  version: number;
  accountId: string;
  deviceId: number;
  secret: Uint8Array;
}

/** Relay -> client: authenticated; the relay subscribes, then drains the queue. */
export interface AuthOkFrame {
  type: 'authOk';
  serverTime: number;
}

/** Relay -> client: an error. requestId 0 means a connection-level error (usually followed by close). */
export interface ErrorFrame {
  type: 'error';
  requestId: number;
  code: RelayErrorCode;
}

/** One ciphertext for one recipient device. */
export interface SubmitEnvelope {
  deviceId: number;
  /** The recipient device's registration id as the sender knows it (mismatch -> StaleDevices). */
  registrationId: number;
  /** Client-chosen random 16 bytes; a retry with the same id is absorbed. */
  envelopeId: Uint8Array;
  /** Opaque to the relay (e.g. the client's message kind). */
  envelopeType: number;
  content: Uint8Array;
}

/** Client -> relay: envelopes for every device of one recipient account. */
export interface SubmitFrame {
  type: 'submit';
  requestId: number;
  recipient: string;
  envelopes: SubmitEnvelope[];
}

export type SubmitDeviceStatus = 'Accepted' | RelayErrorCode;

/** Outcome of a submit: either a whole-request error, or a status per recipient device. */
export interface SubmitResult {
  /** Whole request rejected (nothing stored): MismatchedDevices, StaleDevices, AccountNotFound, RateLimited... */
  error: RelayErrorCode | null;
  /** With MismatchedDevices: recipient devices the submit lacked. */
  missingDevices: number[];
  /** With MismatchedDevices: submitted devices the recipient does not have. */
  extraDevices: number[];
  /** With StaleDevices: devices whose registration id differs (they re-registered). */
  staleDevices: number[];
  /** Per device: 'Accepted' (durably stored, or a retry of a stored id) or an error such as QueueFull. */
  results: { deviceId: number; status: SubmitDeviceStatus }[];
}

export interface SubmitResultFrame extends SubmitResult {
  type: 'submitResult';
  requestId: number;
}

/** Relay -> client: one stored envelope; the sender is stamped by the relay from the authenticated sender. */
export interface DeliverFrame {
  type: 'deliver';
  /** Per-device sequence number, strictly increasing in delivery order. */
  seq: number;
  envelopeId: Uint8Array;
  senderAccountId: string;
  senderDeviceId: number;
  serverTimestamp: number;
  envelopeType: number;
  content: Uint8Array;
}

/** Client -> relay: delete delivered envelopes: all seq <= upTo (0 = none), plus each seq listed. */
export interface AckFrame {
  type: 'ack';
  upTo: number;
  seqs: number[];
}

/** Relay -> client: the backlog that existed at connect time has been pushed. */
export interface QueueEmptyFrame {
  type: 'queueEmpty';
}

export interface PingFrame {
  type: 'ping';
  nonce: number;
}

export interface PongFrame {
  type: 'pong';
  nonce: number;
}

export type Frame =
  | AuthFrame
  | AuthOkFrame
  | ErrorFrame
  | SubmitFrame
  | SubmitResultFrame
  | DeliverFrame
  | AckFrame
  | QueueEmptyFrame
  | PingFrame
  | PongFrame;

/** Frames a client may send. */
export type ClientFrame = AuthFrame | SubmitFrame | AckFrame | PingFrame | PongFrame;
/** Frames the relay may send. */
export type ServerFrame =
  AuthOkFrame | ErrorFrame | SubmitResultFrame | DeliverFrame | QueueEmptyFrame | PingFrame | PongFrame;
