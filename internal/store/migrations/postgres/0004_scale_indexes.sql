-- casemgr schema, version 4 (PostgreSQL). Mirrors sqlite/0004_scale_indexes.sql:
-- indexes for the deadline board, the case lists, the flag statistics and
-- the audit exports at national scale (docs/performance.md, "Scale").

-- Deadline board, stored deadlines: the page comes from the index alone
-- (shelter, due date, case, kind); it replaces case_deadlines_board, its
-- prefix.
CREATE INDEX case_deadlines_board_cover ON case_deadlines(shelter_id, due_on, case_id, kind);
DROP INDEX case_deadlines_board;

-- Deadline board, 18th birthdays: the open cases of a shelter whose victim
-- was a minor when identified, without reading every case of the shelter.
CREATE INDEX cases_minors ON cases(shelter_id, age_band, state) WHERE data_key IS NOT NULL;

-- Flag counts by rule and severity (GET /metrics), from the index alone.
CREATE INDEX case_flags_rule_severity ON case_flags(rule, severity);

-- Audit exports of one shelter, in seq order.
CREATE INDEX audit_log_shelter ON audit_log(shelter, seq);
