-- 001: accounts, devices, keys, mailboxes, attachments (PostgreSQL form of sqlite/migrations/001).
-- `dev` is a never-reused surrogate key (identity column): every per-device row hangs off it and goes
-- with it, so a re-added device id starts empty. No IP addresses, no plaintext, no delivery log.

CREATE TABLE account (
  account_id    uuid   PRIMARY KEY,
  identity_key  bytea  NOT NULL CHECK (octet_length(identity_key) = 33),
  username      text,                                   -- display form
  username_norm text   UNIQUE,                          -- normalizeUsername(username): the unique key
  created_at    bigint NOT NULL,
  CHECK ((username IS NULL) = (username_norm IS NULL))
);

CREATE TABLE device (
  dev             bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id      uuid    NOT NULL REFERENCES account (account_id) ON DELETE CASCADE,
  device_id       integer NOT NULL CHECK (device_id BETWEEN 1 AND 127),
  registration_id integer NOT NULL,
  secret_hash     text    NOT NULL,
  created_at      bigint  NOT NULL,
  UNIQUE (account_id, device_id)
);

-- Per-device counter, locked (FOR UPDATE) and incremented inside the enqueue transaction: commit
-- order = seq order per device. A global sequence read by a cursor skips rows under concurrent
-- writers (SCALE.md: 631 of 2,000). `queued` is the live row count for the per-device cap.
CREATE TABLE device_queue (
  dev      bigint  PRIMARY KEY REFERENCES device (dev) ON DELETE CASCADE,
  last_seq bigint  NOT NULL DEFAULT 0,
  queued   integer NOT NULL DEFAULT 0 CHECK (queued >= 0)
);

CREATE TABLE signed_prekey (
  dev        bigint  PRIMARY KEY REFERENCES device (dev) ON DELETE CASCADE,
  key_id     integer NOT NULL,
  public_key bytea   NOT NULL CHECK (octet_length(public_key) = 33),
  signature  bytea   NOT NULL CHECK (octet_length(signature) = 64)
);

CREATE TABLE kyber_last_resort (
  dev        bigint  PRIMARY KEY REFERENCES device (dev) ON DELETE CASCADE,
  key_id     integer NOT NULL,
  public_key bytea   NOT NULL CHECK (octet_length(public_key) = 1569),
  signature  bytea   NOT NULL CHECK (octet_length(signature) = 64)
);

CREATE TABLE one_time_prekey (
  dev        bigint  NOT NULL REFERENCES device (dev) ON DELETE CASCADE,
  key_id     integer NOT NULL,
  public_key bytea   NOT NULL CHECK (octet_length(public_key) = 33),
  PRIMARY KEY (dev, key_id)
);

CREATE TABLE one_time_kyber_prekey (
  dev        bigint  NOT NULL REFERENCES device (dev) ON DELETE CASCADE,
  key_id     integer NOT NULL,
  public_key bytea   NOT NULL CHECK (octet_length(public_key) = 1569),
  signature  bytea   NOT NULL CHECK (octet_length(signature) = 64),
  PRIMARY KEY (dev, key_id)
);

-- Keyed (dev, seq); unique (dev, envelope_id) absorbs a sender's retry (ON CONFLICT DO NOTHING).
CREATE TABLE mailbox (
  dev               bigint  NOT NULL REFERENCES device (dev) ON DELETE CASCADE,
  seq               bigint  NOT NULL,
  envelope_id       bytea   NOT NULL CHECK (octet_length(envelope_id) = 16),
  sender_account_id uuid    NOT NULL,
  sender_device_id  integer NOT NULL,
  server_timestamp  bigint  NOT NULL,
  envelope_type     integer NOT NULL,
  content           bytea   NOT NULL,
  expires_at        bigint  NOT NULL,
  PRIMARY KEY (dev, seq),
  UNIQUE (dev, envelope_id)
);
CREATE INDEX mailbox_expires_at ON mailbox (expires_at);

CREATE TABLE attachment (
  attachment_id    text    PRIMARY KEY,
  owner_account_id uuid,
  owner_device_id  integer,
  size             integer NOT NULL,
  created_at       bigint  NOT NULL,
  expires_at       bigint  NOT NULL,
  blob             bytea   NOT NULL,
  CHECK (size = octet_length(blob))
);
CREATE INDEX attachment_expires_at ON attachment (expires_at);
