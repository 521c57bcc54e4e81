// Test data and the harness shape for the relay storage conformance suite.
import { randomUUID } from 'node:crypto';
import type {
  EnqueueItem,
  NewDevice,
  PreKeyRecord,
  RelayStores,
  SignedPreKeyRecord,
} from '@sotto/relay/store';

/** What an adapter's test file hands the suite for each test: a fresh, empty database. */
export interface RelayStoreHarness {
  stores: RelayStores;
  /** A second, independent handle on the SAME database (as a second process would have); optional. */
  openPeer?: () => Promise<RelayStores>;
  /** Closes `stores` and opens the same database again (durability check); optional. */
  reopen?: () => Promise<RelayStores>;
  /** Closes everything the harness opened and removes its files. */
  cleanup(): Promise<void>;
}

/** Which optional harness features an adapter's run provides (tests needing them register only then). */
export interface HarnessCapabilities {
  /** `openPeer` works: a second handle on the same database. */
  peers: boolean;
  /** `reopen` works: the database outlives its handle. */
  reopen: boolean;
}

export type MakeHarness = () => Promise<RelayStoreHarness>;

export const T0 = 1_700_000_000_000;
export const DAY = 24 * 60 * 60 * 1000;

export const newAccountId = (): string => randomUUID();

export function filled(length: number, byte: number): Uint8Array {
  return new Uint8Array(length).fill(byte & 0xff);
}

export const identityKey = (b = 1): Uint8Array => {
  const k = filled(33, b);
  k[0] = 0x05;
  return k;
};

export const device = (registrationId = 1234, secretHash = 'scrypt$test$hash'): NewDevice => ({
  registrationId,
  secretHash,
});

export const ecKey = (keyId: number, b = keyId): PreKeyRecord => {
  const publicKey = filled(33, b);
  publicKey[0] = 0x05;
  return { keyId, publicKey };
};

export const signedEc = (keyId: number, b = keyId): SignedPreKeyRecord => ({
  ...ecKey(keyId, b),
  signature: filled(64, b + 1),
});

export const kyberKey = (keyId: number, b = keyId): SignedPreKeyRecord => {
  const publicKey = filled(1569, b);
  publicKey[0] = 0x08;
  return { keyId, publicKey, signature: filled(64, b + 2) };
};

/** Envelope ids: 16 bytes from a number (distinct numbers give distinct ids). */
export function envelopeId(n: number): Uint8Array {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(0, n);
  id[15] = 0xee;
  return id;
}

export function envelope(
  accountId: string,
  deviceId: number,
  n: number,
  over: Partial<EnqueueItem> = {},
): EnqueueItem {
  return {
    accountId,
    deviceId,
    envelopeId: envelopeId(n),
    senderAccountId: '00000000-0000-4000-8000-000000000001',
    senderDeviceId: 1,
    serverTimestamp: T0,
    envelopeType: 1,
    content: filled(8 + (n % 50), n),
    expiresAt: T0 + 30 * DAY,
    ...over,
  };
}

/** Creates an account with `devices` devices (ids 1..devices). */
export async function seedAccount(s: RelayStores, devices = 1): Promise<string> {
  const id = newAccountId();
  await s.accounts.createAccount(id, identityKey(), device(), T0);
  for (let i = 2; i <= devices; i++) {
    const d = await s.accounts.addDevice(id, device(1000 + i), 127, T0);
    if (d !== i) throw new Error(`seedAccount: expected device ${i}, got ${String(d)}`);
  }
  return id;
}

/** Resolves to the error's stable `code` (StoreError), or fails if the promise resolved. */
export async function rejectionCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? code : `non-coded error: ${String(err)}`;
  }
  return 'resolved';
}
