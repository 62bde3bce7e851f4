-- casemgr schema, version 9 (PostgreSQL). Mirrors sqlite/0009_auth_hardening.sql:
-- authentication against a determined attacker (docs/security.md "Logins",
-- "Administrators").

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

-- A change of a user that would let them read case files (a caseworker or
-- supervisor role, or another shelter): it waits here until a second
-- administrator approves it. kind is 'update'; password_hash is '' (both
-- kept for pending creations of users, see docs/security.md).
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
