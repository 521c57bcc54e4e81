/** This device's account: relay credentials, identity key pair, prekey id counters and schedule. */
import { RecordReader, bytesToHex, encodeRecord } from './record-codec.js';

export interface RetiredKey {
  kind: 'signed' | 'kyber';
  id: number;
  retiredAt: number;
}

export interface AccountRecord {
  relayUrl: string;
  accountId: string;
  deviceId: number;
  registrationId: number;
  deviceSecret: Uint8Array;
  identityPublic: Uint8Array;
  identityPrivate: Uint8Array;
  username: string | null;
  createdAt: number;
  nextPreKeyId: number;
  nextSignedPreKeyId: number;
  nextKyberPreKeyId: number;
  /** The signed prekey and last-resort Kyber key currently published, and when they were made. */
  signedPreKeyId: number;
  signedPreKeyAt: number;
  lastResortKyberId: number;
  lastResortAt: number;
  /** Replaced keys kept for a grace period so in-flight first messages still decrypt. */
  retired: RetiredKey[];
}

export function encodeAccount(a: AccountRecord): Uint8Array {
  return encodeRecord({
    v: 1,
    relayUrl: a.relayUrl,
    accountId: a.accountId,
    deviceId: a.deviceId,
    registrationId: a.registrationId,
    deviceSecret: bytesToHex(a.deviceSecret),
    identityPublic: bytesToHex(a.identityPublic),
    identityPrivate: bytesToHex(a.identityPrivate),
    username: a.username,
    createdAt: a.createdAt,
    nextPreKeyId: a.nextPreKeyId,
    nextSignedPreKeyId: a.nextSignedPreKeyId,
    nextKyberPreKeyId: a.nextKyberPreKeyId,
    signedPreKeyId: a.signedPreKeyId,
    signedPreKeyAt: a.signedPreKeyAt,
    lastResortKyberId: a.lastResortKyberId,
    lastResortAt: a.lastResortAt,
    retired: a.retired,
  });
}

export function decodeAccount(bytes: Uint8Array): AccountRecord {
  const r = RecordReader.parse(bytes, 'account');
  if (r.int('v') !== 1) r.oneOf('v', []);
  return {
    relayUrl: r.str('relayUrl'),
    accountId: r.str('accountId'),
    deviceId: r.int('deviceId', 1, 127),
    registrationId: r.int('registrationId', 1, 16383),
    deviceSecret: r.bytes('deviceSecret', 32),
    identityPublic: r.bytes('identityPublic', 33),
    identityPrivate: r.bytes('identityPrivate', 32),
    username: r.strOrNull('username'),
    createdAt: r.int('createdAt'),
    nextPreKeyId: r.int('nextPreKeyId', 1, 0xffffff),
    nextSignedPreKeyId: r.int('nextSignedPreKeyId', 1, 0xffffff),
    nextKyberPreKeyId: r.int('nextKyberPreKeyId', 1, 0xffffff),
    signedPreKeyId: r.int('signedPreKeyId', 1, 0xffffff),
    signedPreKeyAt: r.int('signedPreKeyAt'),
    lastResortKyberId: r.int('lastResortKyberId', 1, 0xffffff),
    lastResortAt: r.int('lastResortAt'),
    retired: r.array('retired').map((x) => ({
      kind: x.oneOf('kind', ['signed', 'kyber'] as const),
      id: x.int('id', 1, 0xffffff),
      retiredAt: x.int('retiredAt'),
    })),
  };
}
