export { Messenger } from './messenger.js';
export type {
  MessengerOptions,
  CreateOptions,
  ContactView,
  ConversationView,
  SentMessage,
  SafetyNumberView,
} from './messenger.js';
export { MessengerError, storeOpenFailure } from './errors.js';
export type { MessengerErrorCode } from './errors.js';
export type { MessengerEvents, ConnectionState } from './events.js';
export type { HistoryEntry, DeliveryState as MessageState } from './history-record.js';
export type { ContactTrust, ContactSource } from './contact-record.js';
export type { MessengerHooks } from './context.js';
export type { Clock, Randomness } from './environment.js';
export { systemClock, systemRandomness } from './environment.js';
export type { KvStore, KvReader, KvWrite } from './kv.js';
export { MemoryKv } from './kv.js';
export { EncryptedKv } from './encrypted-kv.js';
export type { EncryptedKvStore } from './encrypted-kv.js';
export { encodeContent, decodeContent, MAX_TEXT_BYTES } from './content.js';
export type { Content, TextContent, ReceiptContent, SentContent } from './content.js';
export { FINGERPRINT_ITERATIONS, FINGERPRINT_VERSION } from './safety-number.js';
export type { SafetyNumber } from './safety-number.js';
export { DEFAULT_PREKEY_POLICY } from './prekey-policy.js';
export type { PreKeyPolicy } from './prekey-policy.js';
export type { BackoffPolicy } from './backoff.js';
export { LINK_REQUEST_BYTES, createLinkRequest, openDeviceLink, sealDeviceLink } from './link-transfer.js';
export type { LinkRequest } from './link-transfer.js';
export { decodeDeviceLink } from './device-link.js';
export type { DeviceLink } from './device-link.js';
