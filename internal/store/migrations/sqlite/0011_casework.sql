-- casemgr schema, version 11 (SQLite): the caseworker's day (docs/casework.md).
-- Every free text and file is a ciphertext under the case's data key (NULL
-- once the case is erased); the audit chain holds only digests of them.

-- Tasks on a case. status is open, done or snoozed (snoozed_until set).
CREATE TABLE case_tasks (
  id                TEXT PRIMARY KEY,
  case_id           TEXT NOT NULL REFERENCES cases(id),
  shelter_id        TEXT NOT NULL,
  title_enc         BLOB,
  due_on            TEXT NOT NULL,
  assignee          TEXT NOT NULL DEFAULT '',
  status            TEXT NOT NULL,
  snoozed_until     TEXT NOT NULL DEFAULT '',
  snooze_reason_enc BLOB,
  created_by        TEXT NOT NULL,
  created_at        DATETIME NOT NULL,
  updated_at        DATETIME NOT NULL
);
CREATE INDEX case_tasks_case ON case_tasks(case_id, due_on);
CREATE INDEX case_tasks_work ON case_tasks(shelter_id, status, due_on);

-- The case plan: services planned, started and ended.
CREATE TABLE case_services (
  id          TEXT PRIMARY KEY,
  case_id     TEXT NOT NULL REFERENCES cases(id),
  shelter_id  TEXT NOT NULL,
  service     TEXT NOT NULL,
  provider    TEXT NOT NULL DEFAULT '',
  planned_on  TEXT NOT NULL DEFAULT '',
  started_on  TEXT NOT NULL DEFAULT '',
  ended_on    TEXT NOT NULL DEFAULT '',
  outcome_enc BLOB,
  created_by  TEXT NOT NULL,
  created_at  DATETIME NOT NULL,
  updated_at  DATETIME NOT NULL
);
CREATE INDEX case_services_case ON case_services(case_id);
CREATE INDEX case_services_type ON case_services(shelter_id, service, started_on);

-- The contact log: append-only notes; a correction is a new row whose
-- corrects names the row it replaces.
CREATE TABLE case_contact_notes (
  id          TEXT PRIMARY KEY,
  case_id     TEXT NOT NULL REFERENCES cases(id),
  shelter_id  TEXT NOT NULL,
  corrects    TEXT NOT NULL DEFAULT '',
  occurred_on TEXT NOT NULL,
  kind        TEXT NOT NULL,
  text_enc    BLOB,
  author      TEXT NOT NULL,
  audit_seq   INTEGER NOT NULL,
  created_at  DATETIME NOT NULL
);
CREATE INDEX case_contact_notes_case ON case_contact_notes(case_id, occurred_on);

-- Documents: the file and its name sealed with the case's data key.
CREATE TABLE case_documents (
  id           TEXT PRIMARY KEY,
  case_id      TEXT NOT NULL REFERENCES cases(id),
  shelter_id   TEXT NOT NULL,
  kind         TEXT NOT NULL,
  valid_until  TEXT NOT NULL DEFAULT '',
  content_type TEXT NOT NULL,
  size         INTEGER NOT NULL,
  filename_enc BLOB,
  content_enc  BLOB,
  uploaded_by  TEXT NOT NULL,
  created_at   DATETIME NOT NULL
);
CREATE INDEX case_documents_case ON case_documents(case_id);
CREATE INDEX case_documents_expiry ON case_documents(shelter_id, valid_until);
