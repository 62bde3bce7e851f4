-- casemgr schema, version 1 (SQLite).
-- Civil dates are TEXT 'YYYY-MM-DD'; instants are DATETIME (UTC).

CREATE TABLE shelters (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  city         TEXT NOT NULL DEFAULT '',
  official_nrm BOOLEAN NOT NULL DEFAULT 0,
  ref_prefix   TEXT NOT NULL,
  created_at   DATETIME NOT NULL,
  updated_at   DATETIME NOT NULL
);

CREATE TABLE users (
  username      TEXT PRIMARY KEY,
  role          TEXT NOT NULL,
  shelter_id    TEXT REFERENCES shelters(id),
  password_hash TEXT NOT NULL,
  disabled      BOOLEAN NOT NULL DEFAULT 0,
  created_at    DATETIME NOT NULL,
  updated_at    DATETIME NOT NULL
);

-- A login session: the family of rotating refresh tokens, and the "sid"
-- claim of every access token issued under it.
CREATE TABLE auth_sessions (
  id         TEXT PRIMARY KEY,
  username   TEXT NOT NULL REFERENCES users(username),
  created_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL,
  revoked_at DATETIME
);
CREATE INDEX auth_sessions_user ON auth_sessions(username);

CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES auth_sessions(id),
  created_at DATETIME NOT NULL,
  used_at    DATETIME
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

CREATE TABLE reference_counters (
  shelter_id TEXT NOT NULL REFERENCES shelters(id),
  year       INTEGER NOT NULL,
  last       INTEGER NOT NULL,
  PRIMARY KEY (shelter_id, year)
);

CREATE TABLE cases (
  id                  TEXT PRIMARY KEY,
  reference           TEXT NOT NULL UNIQUE,
  shelter_id          TEXT NOT NULL REFERENCES shelters(id),
  version             INTEGER NOT NULL,
  state               TEXT NOT NULL,
  proceedings         TEXT NOT NULL,
  identified_on       TEXT NOT NULL,
  identified_by       TEXT NOT NULL,
  last_event_on       TEXT NOT NULL,
  -- identity: encrypted with the case's data key (NULL once erased)
  data_key            BLOB,
  given_name_enc      BLOB,
  family_name_enc     BLOB,
  alias_enc           BLOB,
  date_of_birth_enc   BLOB,
  name_index          TEXT NOT NULL DEFAULT '',
  name_index_rev      TEXT NOT NULL DEFAULT '',
  erased_at           DATETIME,
  -- statistical attributes (kept after erasure)
  gender              TEXT NOT NULL,
  nationality         TEXT NOT NULL,
  unaccompanied_minor BOOLEAN NOT NULL DEFAULT 0,
  age_band            TEXT NOT NULL,
  exploitation        TEXT NOT NULL,
  -- NRM facts read by the rules (JSON; no identity, no free text)
  facts               TEXT NOT NULL,
  demo                BOOLEAN NOT NULL DEFAULT 0,
  created_at          DATETIME NOT NULL,
  updated_at          DATETIME NOT NULL
);
CREATE INDEX cases_shelter_reference ON cases(shelter_id, reference);
CREATE INDEX cases_shelter_state ON cases(shelter_id, state, reference);
CREATE INDEX cases_shelter_proceedings ON cases(shelter_id, proceedings, reference);
CREATE INDEX cases_name_index ON cases(shelter_id, name_index);
CREATE INDEX cases_name_index_rev ON cases(shelter_id, name_index_rev);

-- Flags as of the last evaluation (every change, and daily), for list filters.
CREATE TABLE case_flags (
  case_id  TEXT NOT NULL REFERENCES cases(id),
  rule     TEXT NOT NULL,
  severity TEXT NOT NULL,
  kind     TEXT NOT NULL,
  PRIMARY KEY (case_id, rule)
);
CREATE INDEX case_flags_rule ON case_flags(rule, case_id);
CREATE INDEX case_flags_severity ON case_flags(severity, case_id);

-- Stored deadlines for the board (all kinds but majority, which is computed
-- from the encrypted date of birth when read).
CREATE TABLE case_deadlines (
  case_id    TEXT NOT NULL REFERENCES cases(id),
  shelter_id TEXT NOT NULL,
  kind       TEXT NOT NULL,
  due_on     TEXT NOT NULL,
  PRIMARY KEY (case_id, kind)
);
CREATE INDEX case_deadlines_board ON case_deadlines(shelter_id, due_on);

CREATE TABLE audit_log (
  seq              INTEGER PRIMARY KEY,
  recorded_at      TEXT NOT NULL,
  occurred_on      TEXT NOT NULL,
  case_id          TEXT NOT NULL,
  case_ref         TEXT NOT NULL,
  shelter          TEXT NOT NULL,
  actor            TEXT NOT NULL,
  actor_role       TEXT NOT NULL,
  event            TEXT NOT NULL,
  from_state       TEXT NOT NULL,
  to_state         TEXT NOT NULL,
  from_proceedings TEXT NOT NULL,
  to_proceedings   TEXT NOT NULL,
  data             TEXT NOT NULL,
  note_digest      TEXT NOT NULL,
  rules_version    TEXT NOT NULL,
  prev_hash        TEXT NOT NULL,
  hash             TEXT NOT NULL
);
CREATE INDEX audit_log_case ON audit_log(case_id, seq);
CREATE INDEX audit_log_recorded ON audit_log(recorded_at);

CREATE TABLE audit_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  INTEGER NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Event notes, encrypted with the case's data key; the chain holds only
-- their digest.
CREATE TABLE case_notes (
  seq      INTEGER PRIMARY KEY REFERENCES audit_log(seq),
  case_id  TEXT NOT NULL REFERENCES cases(id),
  note_enc BLOB NOT NULL
);
CREATE INDEX case_notes_case ON case_notes(case_id);
