/**
 * Table names used by the client's state (the names are visible in the files; the keys and values
 * are not — see storage/encrypted-store.ts).
 */
export const TABLES = {
  account: 'account',
  contacts: 'contacts',
  conversations: 'conversations',
  history: 'history',
  historyIds: 'history_ids',
  outbox: 'outbox',
  seen: 'seen',
  sessions: 'sessions',
  identities: 'identities',
  preKeys: 'prekeys',
  signedPreKeys: 'signed_prekeys',
  kyberPreKeys: 'kyber_prekeys',
} as const;
