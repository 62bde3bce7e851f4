-- casemgr schema, version 1 (PostgreSQL). Mirrors sqlite/0001_init.sql:
-- same tables, columns, keys and indexes. Civil dates are TEXT
-- 'YYYY-MM-DD'; instants are TIMESTAMPTZ (UTC). Every TEXT column uses the
-- "C" collation, so that ordering and comparisons are bytewise as in
-- SQLite whatever the database's locale (list cursors compare references).

CREATE TABLE shelters (
  id           TEXT COLLATE "C" PRIMARY KEY,
  name         TEXT COLLATE "C" NOT NULL,
  city         TEXT COLLATE "C" NOT NULL DEFAULT '',
  official_nrm BOOLEAN NOT NULL DEFAULT FALSE,
  ref_prefix   TEXT COLLATE "C" NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL,
  updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
  username      TEXT COLLATE "C" PRIMARY KEY,
  role          TEXT COLLATE "C" NOT NULL,
  shelter_id    TEXT COLLATE "C" REFERENCES shelters(id),
  password_hash TEXT COLLATE "C" NOT NULL,
  disabled      BOOLEAN NOT NULL DEFAULT FALSE,
  created_at    TIMESTAMPTZ NOT NULL,
  updated_at    TIMESTAMPTZ NOT NULL
);

-- A login session: the family of rotating refresh tokens, and the "sid"
-- claim of every access token issued under it.
CREATE TABLE auth_sessions (
  id         TEXT COLLATE "C" PRIMARY KEY,
  username   TEXT COLLATE "C" NOT NULL REFERENCES users(username),
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  revoked_at TIMESTAMPTZ
);
CREATE INDEX auth_sessions_user ON auth_sessions(username);

CREATE TABLE refresh_tokens (
  token_hash TEXT COLLATE "C" PRIMARY KEY,
  session_id TEXT COLLATE "C" NOT NULL REFERENCES auth_sessions(id),
  created_at TIMESTAMPTZ NOT NULL,
  used_at    TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

CREATE TABLE reference_counters (
  shelter_id TEXT COLLATE "C" NOT NULL REFERENCES shelters(id),
  year       BIGINT NOT NULL,
  last       BIGINT NOT NULL,
  PRIMARY KEY (shelter_id, year)
);

CREATE TABLE cases (
  id                  TEXT COLLATE "C" PRIMARY KEY,
  reference           TEXT COLLATE "C" NOT NULL UNIQUE,
  shelter_id          TEXT COLLATE "C" NOT NULL REFERENCES shelters(id),
  version             BIGINT NOT NULL,
  state               TEXT COLLATE "C" NOT NULL,
  proceedings         TEXT COLLATE "C" NOT NULL,
  identified_on       TEXT COLLATE "C" NOT NULL,
  identified_by       TEXT COLLATE "C" NOT NULL,
  last_event_on       TEXT COLLATE "C" NOT NULL,
  -- identity: encrypted with the case's data key (NULL once erased)
  data_key            BYTEA,
  given_name_enc      BYTEA,
  family_name_enc     BYTEA,
  alias_enc           BYTEA,
  date_of_birth_enc   BYTEA,
  name_index          TEXT COLLATE "C" NOT NULL DEFAULT '',
  name_index_rev      TEXT COLLATE "C" NOT NULL DEFAULT '',
  erased_at           TIMESTAMPTZ,
  -- statistical attributes (kept after erasure)
  gender              TEXT COLLATE "C" NOT NULL,
  nationality         TEXT COLLATE "C" NOT NULL,
  unaccompanied_minor BOOLEAN NOT NULL DEFAULT FALSE,
  age_band            TEXT COLLATE "C" NOT NULL,
  exploitation        TEXT COLLATE "C" NOT NULL,
  -- NRM facts read by the rules (JSON; no identity, no free text)
  facts               TEXT COLLATE "C" NOT NULL,
  demo                BOOLEAN NOT NULL DEFAULT FALSE,
  created_at          TIMESTAMPTZ NOT NULL,
  updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX cases_shelter_reference ON cases(shelter_id, reference);
CREATE INDEX cases_shelter_state ON cases(shelter_id, state, reference);
CREATE INDEX cases_shelter_proceedings ON cases(shelter_id, proceedings, reference);
CREATE INDEX cases_name_index ON cases(shelter_id, name_index);
CREATE INDEX cases_name_index_rev ON cases(shelter_id, name_index_rev);

-- Flags as of the last evaluation (every change, and daily), for list filters.
CREATE TABLE case_flags (
  case_id  TEXT COLLATE "C" NOT NULL REFERENCES cases(id),
  rule     TEXT COLLATE "C" NOT NULL,
  severity TEXT COLLATE "C" NOT NULL,
  kind     TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (case_id, rule)
);
CREATE INDEX case_flags_rule ON case_flags(rule, case_id);
CREATE INDEX case_flags_severity ON case_flags(severity, case_id);

-- Stored deadlines for the board (all kinds but majority, which is computed
-- from the encrypted date of birth when read).
CREATE TABLE case_deadlines (
  case_id    TEXT COLLATE "C" NOT NULL REFERENCES cases(id),
  shelter_id TEXT COLLATE "C" NOT NULL,
  kind       TEXT COLLATE "C" NOT NULL,
  due_on     TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (case_id, kind)
);
CREATE INDEX case_deadlines_board ON case_deadlines(shelter_id, due_on);

CREATE TABLE audit_log (
  seq              BIGINT PRIMARY KEY,
  recorded_at      TEXT COLLATE "C" NOT NULL,
  occurred_on      TEXT COLLATE "C" NOT NULL,
  case_id          TEXT COLLATE "C" NOT NULL,
  case_ref         TEXT COLLATE "C" NOT NULL,
  shelter          TEXT COLLATE "C" NOT NULL,
  actor            TEXT COLLATE "C" NOT NULL,
  actor_role       TEXT COLLATE "C" NOT NULL,
  event            TEXT COLLATE "C" NOT NULL,
  from_state       TEXT COLLATE "C" NOT NULL,
  to_state         TEXT COLLATE "C" NOT NULL,
  from_proceedings TEXT COLLATE "C" NOT NULL,
  to_proceedings   TEXT COLLATE "C" NOT NULL,
  data             TEXT COLLATE "C" NOT NULL,
  note_digest      TEXT COLLATE "C" NOT NULL,
  rules_version    TEXT COLLATE "C" NOT NULL,
  prev_hash        TEXT COLLATE "C" NOT NULL,
  hash             TEXT COLLATE "C" NOT NULL
);
CREATE INDEX audit_log_case ON audit_log(case_id, seq);
CREATE INDEX audit_log_recorded ON audit_log(recorded_at);

CREATE TABLE audit_head (
  id   BIGINT PRIMARY KEY CHECK (id = 1),
  seq  BIGINT NOT NULL,
  hash TEXT COLLATE "C" NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only: UPDATE, DELETE and TRUNCATE of audit_log raise an error.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Event notes, encrypted with the case's data key; the chain holds only
-- their digest.
CREATE TABLE case_notes (
  seq      BIGINT PRIMARY KEY REFERENCES audit_log(seq),
  case_id  TEXT COLLATE "C" NOT NULL REFERENCES cases(id),
  note_enc BYTEA NOT NULL
);
CREATE INDEX case_notes_case ON case_notes(case_id);
