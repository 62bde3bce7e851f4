-- casemgr schema, version 2 (SQLite): signed checkpoints of the audit chain
-- and the read-access log. Both tables are append-only, like audit_log.

-- A checkpoint is an Ed25519 signature over the chain head (seq, hash) at
-- signed_at. The key lives outside the database (checkpoint.key in the key
-- directory); key_id names the public key that signed.
CREATE TABLE audit_checkpoints (
  id        INTEGER PRIMARY KEY,
  seq       INTEGER NOT NULL,
  hash      TEXT NOT NULL,
  signed_at TEXT NOT NULL,
  signature TEXT NOT NULL,
  key_id    TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_signed ON audit_checkpoints(signed_at);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;

-- Who read which case file when (API and UI). No identity field: the case
-- is named by its id and shelter only. Written in batches, at least once a
-- second; not part of the hash chain.
CREATE TABLE access_log (
  id          INTEGER PRIMARY KEY,
  accessed_at TEXT NOT NULL,
  actor       TEXT NOT NULL,
  actor_role  TEXT NOT NULL,
  case_id     TEXT NOT NULL,
  shelter     TEXT NOT NULL,
  action      TEXT NOT NULL
);
CREATE INDEX access_log_accessed ON access_log(accessed_at);
CREATE INDEX access_log_case ON access_log(case_id, id);

CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END;
