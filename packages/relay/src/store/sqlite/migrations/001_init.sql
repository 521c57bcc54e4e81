-- 001: accounts, devices, keys, mailboxes, attachments.
-- PostgreSQL shape (issue 8): the same tables with uuid/bytea/bigint types; `dev` becomes
-- `bigint GENERATED ALWAYS AS IDENTITY`. No IP addresses, no plaintext, no sender-recipient log beyond
-- the queued rows themselves (deleted on ack or expiry).

CREATE TABLE account (
  account_id    TEXT    PRIMARY KEY,                        -- lower-case UUID
  identity_key  BLOB    NOT NULL CHECK (length(identity_key) = 33),
  username      TEXT,                                       -- display form
  username_norm TEXT    UNIQUE,                             -- normalizeUsername(username): the unique key
  created_at    INTEGER NOT NULL,
  CHECK ((username IS NULL) = (username_norm IS NULL))
);

-- `dev` is a surrogate key that is never reused (AUTOINCREMENT), so a re-added device id never meets
-- rows of the device it replaces; every per-device table hangs off it and is removed with it.
CREATE TABLE device (
  dev             INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id      TEXT    NOT NULL REFERENCES account (account_id) ON DELETE CASCADE,
  device_id       INTEGER NOT NULL CHECK (device_id BETWEEN 1 AND 127),
  registration_id INTEGER NOT NULL,
  secret_hash     TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  UNIQUE (account_id, device_id)
);

-- Per-device counter: seq allocated inside the enqueue transaction, so commit order = seq order per
-- device (a global autoincrement read by a cursor skips rows under concurrent writers; SCALE.md).
-- `queued` is the live row count, kept in step by enqueue/ack/sweep, for the queue cap.
CREATE TABLE device_queue (
  dev      INTEGER PRIMARY KEY REFERENCES device (dev) ON DELETE CASCADE,
  last_seq INTEGER NOT NULL DEFAULT 0,
  queued   INTEGER NOT NULL DEFAULT 0 CHECK (queued >= 0)
);

CREATE TABLE signed_prekey (
  dev        INTEGER PRIMARY KEY REFERENCES device (dev) ON DELETE CASCADE,
  key_id     INTEGER NOT NULL,
  public_key BLOB    NOT NULL CHECK (length(public_key) = 33),
  signature  BLOB    NOT NULL CHECK (length(signature) = 64)
);

CREATE TABLE kyber_last_resort (
  dev        INTEGER PRIMARY KEY REFERENCES device (dev) ON DELETE CASCADE,
  key_id     INTEGER NOT NULL,
  public_key BLOB    NOT NULL CHECK (length(public_key) = 1569),
  signature  BLOB    NOT NULL CHECK (length(signature) = 64)
);

CREATE TABLE one_time_prekey (
  dev        INTEGER NOT NULL REFERENCES device (dev) ON DELETE CASCADE,
  key_id     INTEGER NOT NULL,
  public_key BLOB    NOT NULL CHECK (length(public_key) = 33),
  PRIMARY KEY (dev, key_id)
);

CREATE TABLE one_time_kyber_prekey (
  dev        INTEGER NOT NULL REFERENCES device (dev) ON DELETE CASCADE,
  key_id     INTEGER NOT NULL,
  public_key BLOB    NOT NULL CHECK (length(public_key) = 1569),
  signature  BLOB    NOT NULL CHECK (length(signature) = 64),
  PRIMARY KEY (dev, key_id)
);

-- Keyed (dev, seq); unique (dev, envelope_id) absorbs a sender's retry.
CREATE TABLE mailbox (
  dev               INTEGER NOT NULL REFERENCES device (dev) ON DELETE CASCADE,
  seq               INTEGER NOT NULL,
  envelope_id       BLOB    NOT NULL CHECK (length(envelope_id) = 16),
  sender_account_id TEXT    NOT NULL,
  sender_device_id  INTEGER NOT NULL,
  server_timestamp  INTEGER NOT NULL,
  envelope_type     INTEGER NOT NULL,
  content           BLOB    NOT NULL,
  expires_at        INTEGER NOT NULL,
  PRIMARY KEY (dev, seq),
  UNIQUE (dev, envelope_id)
);
CREATE INDEX mailbox_expires_at ON mailbox (expires_at);

-- Encrypted blobs; the id is a capability. Owner is optional metadata for quotas (no FK: an
-- attachment outlives its uploader's device until it expires).
CREATE TABLE attachment (
  attachment_id    TEXT    PRIMARY KEY,
  owner_account_id TEXT,
  owner_device_id  INTEGER,
  size             INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL,
  blob             BLOB    NOT NULL,   -- last column: metadata reads never touch its overflow pages
  CHECK (size = length(blob))
);
CREATE INDEX attachment_expires_at ON attachment (expires_at);
