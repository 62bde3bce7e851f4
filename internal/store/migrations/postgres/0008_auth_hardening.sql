-- casemgr schema, version 8 (PostgreSQL). Mirrors sqlite/0008_auth_hardening.sql:
-- authentication against a determined attacker (docs/security.md "Logins",
-- "Second factor", "Administrators").

-- Login throttling shared by every server on the database. One row per
-- key: the SHA-256 of an (account, address) pair, of an account, or of an
-- address, so that a row has a fixed size whatever was typed. failures
-- counts the attempts reserved since window_start (an attempt is counted
-- before its password is hashed, and given back when it succeeds);
-- blocked_until is the slow-down of a pair. Rows unused for a window are
-- deleted, and the oldest go first past a size cap.
CREATE TABLE login_throttle (
  throttle_key  TEXT COLLATE "C" PRIMARY KEY,
  failures      INTEGER NOT NULL,
  window_start  TIMESTAMPTZ NOT NULL,
  blocked_until TIMESTAMPTZ,
  updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_throttle_updated ON login_throttle(updated_at);

-- totp_secret: the TOTP secret sealed with a key derived from the vault's
-- server key ('' for none); totp_confirmed once a first code was given;
-- totp_last_step: the last 30-second step accepted, so that a code is
-- used once.
ALTER TABLE users ADD COLUMN totp_secret TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_confirmed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

-- Single-use recovery codes of the second factor, as SHA-256.
CREATE TABLE totp_recovery_codes (
  code_hash TEXT COLLATE "C" PRIMARY KEY,
  username  TEXT COLLATE "C" NOT NULL REFERENCES users(username),
  created_at TIMESTAMPTZ NOT NULL,
  used_at   TIMESTAMPTZ
);
CREATE INDEX totp_recovery_codes_user ON totp_recovery_codes(username);

-- One-time password-reset codes, as SHA-256; an administrator issues one,
-- the user redeems it by choosing a new password.
CREATE TABLE password_resets (
  code_hash  TEXT COLLATE "C" PRIMARY KEY,
  username   TEXT COLLATE "C" NOT NULL REFERENCES users(username),
  issued_by  TEXT COLLATE "C" NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  used_at    TIMESTAMPTZ
);
CREATE INDEX password_resets_user ON password_resets(username);

-- A change of a user that would let them read case files (a new
-- caseworker or supervisor role, another shelter, or a new user with such
-- a role): it waits here until a second administrator approves it.
-- password_hash holds the hash of a new user's password until then.
CREATE TABLE user_changes (
  id            TEXT COLLATE "C" PRIMARY KEY,
  username      TEXT COLLATE "C" NOT NULL,
  kind          TEXT COLLATE "C" NOT NULL,
  role          TEXT COLLATE "C" NOT NULL,
  shelter_id    TEXT COLLATE "C" NOT NULL,
  password_hash TEXT COLLATE "C" NOT NULL DEFAULT '',
  requested_by  TEXT COLLATE "C" NOT NULL,
  requested_at  TIMESTAMPTZ NOT NULL,
  decided_by    TEXT COLLATE "C",
  decided_at    TIMESTAMPTZ,
  status        TEXT COLLATE "C" NOT NULL
);
CREATE INDEX user_changes_pending ON user_changes(username) WHERE status = 'pending';
