-- casemgr schema, version 11 (PostgreSQL); mirrors sqlite/0011_casework.sql: the caseworker's day (docs/casework.md).
-- Every free text and file is a ciphertext under the case's data key (NULL
-- once the case is erased); the audit chain holds only digests of them.

-- Tasks on a case. status is open, done or snoozed (snoozed_until set).
CREATE TABLE case_tasks (
  id                TEXT COLLATE "C" PRIMARY KEY,
  case_id           TEXT COLLATE "C" NOT NULL REFERENCES cases(id),
  shelter_id        TEXT COLLATE "C" NOT NULL,
  title_enc         BYTEA,
  due_on            TEXT COLLATE "C" NOT NULL,
  assignee          TEXT COLLATE "C" NOT NULL DEFAULT '',
  status            TEXT COLLATE "C" NOT NULL,
  snoozed_until     TEXT COLLATE "C" NOT NULL DEFAULT '',
  snooze_reason_enc BYTEA,
  created_by        TEXT COLLATE "C" NOT NULL,
  created_at        TIMESTAMPTZ NOT NULL,
  updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_tasks_case ON case_tasks(case_id, due_on);
CREATE INDEX case_tasks_work ON case_tasks(shelter_id, status, due_on);

-- The case plan: services planned, started and ended.
CREATE TABLE case_services (
  id          TEXT COLLATE "C" PRIMARY KEY,
  case_id     TEXT COLLATE "C" NOT NULL REFERENCES cases(id),
  shelter_id  TEXT COLLATE "C" NOT NULL,
  service     TEXT COLLATE "C" NOT NULL,
  provider    TEXT COLLATE "C" NOT NULL DEFAULT '',
  planned_on  TEXT COLLATE "C" NOT NULL DEFAULT '',
  started_on  TEXT COLLATE "C" NOT NULL DEFAULT '',
  ended_on    TEXT COLLATE "C" NOT NULL DEFAULT '',
  outcome_enc BYTEA,
  created_by  TEXT COLLATE "C" NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_services_case ON case_services(case_id);
CREATE INDEX case_services_type ON case_services(shelter_id, service, started_on);

-- The contact log: append-only notes; a correction is a new row whose
-- corrects names the row it replaces.
CREATE TABLE case_contact_notes (
  id          TEXT COLLATE "C" PRIMARY KEY,
  case_id     TEXT COLLATE "C" NOT NULL REFERENCES cases(id),
  shelter_id  TEXT COLLATE "C" NOT NULL,
  corrects    TEXT COLLATE "C" NOT NULL DEFAULT '',
  occurred_on TEXT COLLATE "C" NOT NULL,
  kind        TEXT COLLATE "C" NOT NULL,
  text_enc    BYTEA,
  author      TEXT COLLATE "C" NOT NULL,
  audit_seq   BIGINT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_contact_notes_case ON case_contact_notes(case_id, occurred_on);

-- Documents: the file and its name sealed with the case's data key.
CREATE TABLE case_documents (
  id           TEXT COLLATE "C" PRIMARY KEY,
  case_id      TEXT COLLATE "C" NOT NULL REFERENCES cases(id),
  shelter_id   TEXT COLLATE "C" NOT NULL,
  kind         TEXT COLLATE "C" NOT NULL,
  valid_until  TEXT COLLATE "C" NOT NULL DEFAULT '',
  content_type TEXT COLLATE "C" NOT NULL,
  size         BIGINT NOT NULL,
  filename_enc BYTEA,
  content_enc  BYTEA,
  uploaded_by  TEXT COLLATE "C" NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_documents_case ON case_documents(case_id);
CREATE INDEX case_documents_expiry ON case_documents(shelter_id, valid_until);
