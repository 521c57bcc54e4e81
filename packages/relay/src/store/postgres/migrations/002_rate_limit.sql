-- 002: token buckets for rate limits shared by every relay node on this database (issue 8: "the same
-- rate limits shared across nodes"). One row per (scope, key), e.g. ('claims-target', account id);
-- hit in one INSERT … ON CONFLICT DO UPDATE … RETURNING statement (pg-rate-limit-store.ts). A row is
-- only a bucket that is not full: `full_at` is when it will have refilled, after which it says nothing
-- an absent row does not, so rows with full_at <= now are swept.

CREATE TABLE rate_limit_bucket (
  scope      text             NOT NULL,
  key        text             NOT NULL,
  tokens     double precision NOT NULL CHECK (tokens >= 0),
  updated_at bigint           NOT NULL,
  full_at    bigint           NOT NULL,
  granted    boolean          NOT NULL,  -- whether the last hit took a token (what RETURNING reports)
  PRIMARY KEY (scope, key)
);

CREATE INDEX rate_limit_bucket_full_at ON rate_limit_bucket (full_at);
