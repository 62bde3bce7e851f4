-- casemgr schema, version 7 (SQLite): national statistics.
-- The victim's age band at identification in the Counter Trafficking Data
-- Collaborative's bands (0-8, 9-17, 18-20, 21-23, 24-26, 27-29, 30-38,
-- 39-47, 48+, unknown), a statistical attribute kept after erasure like
-- age_band. '' means not yet computed: the server fills it in from the
-- encrypted date of birth when it starts (cases_ctdc_pending finds them).
ALTER TABLE cases ADD COLUMN ctdc_age_band TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_ctdc_pending ON cases(id) WHERE ctdc_age_band = '';
