/**
 * `ProtocolAddress`: who a session is with (a name plus a device id), as in libsignal.
 *
 * When both names are Signal service-id strings (a hyphenated UUID for an ACI, `PNI:` + UUID for
 * a PNI), libsignal binds them into the first message of a session (SignalMessage field 6,
 * `rust/protocol/src/protocol.rs` `serialize_addresses`); `serviceIdBinary` gives that encoding.
 */
import { ProtocolError } from './errors.js';

export class ProtocolAddress {
  private constructor(
    readonly name: string,
    readonly deviceId: number,
  ) {}

  /** `deviceId` is 1..127, libsignal's DeviceId range. */
  static new(name: string, deviceId: number): ProtocolAddress {
    if (typeof name !== 'string' || name.length === 0 || name.length > 1024) {
      throw new ProtocolError('InvalidArgument', 'address name must be a non-empty string');
    }
    if (!Number.isInteger(deviceId) || deviceId < 1 || deviceId > 127) {
      throw new ProtocolError('InvalidArgument', `device id must be 1..127, got ${deviceId}`);
    }
    return new ProtocolAddress(name, deviceId);
  }

  /** Stable string key for maps: `name.deviceId`. */
  toString(): string {
    return `${this.name}.${this.deviceId}`;
  }

  equals(other: ProtocolAddress): boolean {
    return this.name === other.name && this.deviceId === other.deviceId;
  }
}

const HYPHENATED_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** 17-byte fixed-width service id (kind byte 0 = ACI, 1 = PNI, then the UUID), or undefined. */
export function serviceIdBinary(name: string): Uint8Array | undefined {
  let kind = 0;
  let uuid = name;
  if (name.startsWith('PNI:')) {
    kind = 1;
    uuid = name.slice(4);
  }
  if (!HYPHENATED_UUID.test(uuid)) return undefined;
  const hex = uuid.replace(/-/g, '');
  const out = new Uint8Array(17);
  out[0] = kind;
  for (let i = 0; i < 16; i++) out[i + 1] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The 36-byte addresses field: sender service id || sender device || recipient service id ||
 * recipient device; undefined when either name is not a service id (libsignal then omits it).
 */
export function serializeAddresses(
  sender: ProtocolAddress,
  recipient: ProtocolAddress,
): Uint8Array | undefined {
  const s = serviceIdBinary(sender.name);
  const r = serviceIdBinary(recipient.name);
  if (s === undefined || r === undefined) return undefined;
  const out = new Uint8Array(36);
  out.set(s, 0);
  out[17] = sender.deviceId;
  out.set(r, 18);
  out[35] = recipient.deviceId;
  return out;
}
