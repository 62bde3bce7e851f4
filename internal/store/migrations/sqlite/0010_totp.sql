-- casemgr schema, version 10 (SQLite): a second factor (TOTP, RFC 6238)
-- for logins (docs/security.md "Second factor").

-- One row per user who started enrolment. secret is the TOTP secret sealed
-- with AES-256-GCM under a key derived from the server's key directory,
-- the username as associated data (never the secret in clear).
-- confirmed_at is NULL while the enrolment waits for a first code; the
-- second factor is required at login only once it is set. last_step is the
-- last RFC 6238 time step accepted, so that each code is used once.
CREATE TABLE user_totp (
  username     TEXT PRIMARY KEY REFERENCES users(username),
  secret       BLOB NOT NULL,
  confirmed_at DATETIME,
  last_step    INTEGER NOT NULL DEFAULT 0,
  created_at   DATETIME NOT NULL
);

-- Single-use recovery codes of a confirmed enrolment, as SHA-256 of 128
-- random bits; a new enrolment replaces them.
CREATE TABLE totp_recovery_codes (
  code_hash  TEXT PRIMARY KEY,
  username   TEXT NOT NULL REFERENCES users(username),
  created_at DATETIME NOT NULL,
  used_at    DATETIME
);
CREATE INDEX totp_recovery_codes_user ON totp_recovery_codes(username);
