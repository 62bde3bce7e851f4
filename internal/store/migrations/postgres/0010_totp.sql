-- casemgr schema, version 10 (PostgreSQL): a second factor (TOTP, RFC
-- 6238) for logins (docs/security.md "Second factor"). Same tables as the
-- SQLite migration; see there for the meaning of each column.

CREATE TABLE user_totp (
  username     TEXT COLLATE "C" PRIMARY KEY REFERENCES users(username),
  secret       BYTEA NOT NULL,
  confirmed_at TIMESTAMPTZ,
  last_step    BIGINT NOT NULL DEFAULT 0,
  created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE totp_recovery_codes (
  code_hash  TEXT COLLATE "C" PRIMARY KEY,
  username   TEXT COLLATE "C" NOT NULL REFERENCES users(username),
  created_at TIMESTAMPTZ NOT NULL,
  used_at    TIMESTAMPTZ
);
CREATE INDEX totp_recovery_codes_user ON totp_recovery_codes(username);
