-- casemgr schema, version 12 (SQLite): between organisations
-- (docs/organisations.md).

-- The caseworker responsible for a case ('' = nobody). Read through the
-- users table: an assignee who is disabled or in another shelter counts
-- as none. Existing cases go to the caseworker who opened them.
ALTER TABLE cases ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
UPDATE cases SET assignee = COALESCE((SELECT a.actor FROM audit_log a
  WHERE a.case_id = cases.id AND a.event = 'open_case' AND a.actor_role = 'caseworker'
  ORDER BY a.seq LIMIT 1), '');
CREATE INDEX cases_shelter_assignee ON cases(shelter_id, assignee, reference);

-- Keyed fingerprint of the normalised name and date of birth, for the
-- duplicate warning across shelters ('-' = none: no date of birth; '' = erased,
-- or not yet computed: the server computes it at start).
ALTER TABLE cases ADD COLUMN identity_fingerprint TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_identity_fingerprint ON cases(identity_fingerprint);

CREATE TABLE consents (
  id           TEXT PRIMARY KEY,
  case_id      TEXT NOT NULL REFERENCES cases(id),
  scope        TEXT NOT NULL,
  recipient    TEXT NOT NULL DEFAULT '',
  given_on     TEXT NOT NULL,
  given_by     TEXT NOT NULL,
  method       TEXT NOT NULL,
  expires_on   TEXT NOT NULL DEFAULT '',
  withdrawn_on TEXT NOT NULL DEFAULT '',
  recorded_by  TEXT NOT NULL,
  created_at   DATETIME NOT NULL
);
CREATE INDEX consents_case ON consents(case_id, given_on);

CREATE TABLE transfers (
  id             TEXT PRIMARY KEY,
  case_id        TEXT NOT NULL REFERENCES cases(id),
  reference      TEXT NOT NULL,
  from_shelter   TEXT NOT NULL REFERENCES shelters(id),
  to_shelter     TEXT NOT NULL REFERENCES shelters(id),
  reason         TEXT NOT NULL,
  status         TEXT NOT NULL,
  requested_by   TEXT NOT NULL,
  requested_at   DATETIME NOT NULL,
  decided_by     TEXT NOT NULL DEFAULT '',
  decided_at     DATETIME,
  decline_reason TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX transfers_one_pending ON transfers(case_id) WHERE status = 'pending';
CREATE INDEX transfers_to ON transfers(to_shelter, requested_at);
CREATE INDEX transfers_from ON transfers(from_shelter, requested_at);

CREATE TABLE organisations (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  kind         TEXT NOT NULL,
  official_nrm BOOLEAN NOT NULL DEFAULT 0,
  created_at   DATETIME NOT NULL,
  updated_at   DATETIME NOT NULL
);

CREATE TABLE referrals (
  id              TEXT PRIMARY KEY,
  case_id         TEXT NOT NULL REFERENCES cases(id),
  organisation_id TEXT NOT NULL REFERENCES organisations(id),
  service         TEXT NOT NULL,
  referred_on     TEXT NOT NULL,
  status          TEXT NOT NULL,
  answered_on     TEXT NOT NULL DEFAULT '',
  completed_on    TEXT NOT NULL DEFAULT '',
  recorded_by     TEXT NOT NULL,
  created_at      DATETIME NOT NULL,
  updated_at      DATETIME NOT NULL
);
CREATE INDEX referrals_case ON referrals(case_id, referred_on);
CREATE INDEX referrals_pending ON referrals(referred_on) WHERE status = 'pending';

-- Notices to a shelter's supervisors (possible duplicates across shelters):
-- they name only the shelter's own case, once per other shelter (other_case,
-- the first matching case there, is kept for the lead and never shown).
CREATE TABLE notifications (
  id            TEXT PRIMARY KEY,
  shelter_id    TEXT NOT NULL REFERENCES shelters(id),
  kind          TEXT NOT NULL,
  case_id       TEXT NOT NULL REFERENCES cases(id),
  other_shelter TEXT NOT NULL DEFAULT '',
  other_case    TEXT NOT NULL DEFAULT '',
  created_at    DATETIME NOT NULL
);
CREATE INDEX notifications_shelter ON notifications(shelter_id, created_at);
