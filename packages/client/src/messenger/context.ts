/** What the messenger's parts share: storage, the relay, time, randomness, events and the lock. */
import type { CryptoProvider } from '@sotto/protocol';
import type { RelayClient, RelayConnection } from '@sotto/wire';
import type { Clock, Randomness } from './environment.js';
import type { MessengerEvents } from './events.js';
import type { TypedEmitter } from './typed-emitter.js';
import type { KvStore } from './kv.js';
import type { PreKeyPolicy } from './prekey-policy.js';
import type { BackoffPolicy } from './backoff.js';
import type { SerialLock } from './serial-lock.js';

/** Test seams for crash simulation. Production code never sets them. */
export interface MessengerHooks {
  /** Runs after a received envelope's batch is committed and BEFORE the ack (throw to "crash"). */
  afterCommitBeforeAck?: (envelopeId: string) => void;
}

export interface MessengerContext {
  store: KvStore;
  relay: RelayClient;
  clock: Clock;
  random: Randomness;
  crypto: CryptoProvider | undefined;
  events: TypedEmitter<MessengerEvents>;
  lock: SerialLock;
  prekeyPolicy: PreKeyPolicy;
  backoff: BackoffPolicy;
  hooks: MessengerHooks;
  accountId: string;
  deviceId: number;
  /** The live socket, when connected. */
  connection(): RelayConnection | null;
  /** Our account's other devices as last seen from the relay. */
  ownDevices: Set<number>;
}
