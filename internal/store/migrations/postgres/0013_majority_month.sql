-- The deadline board's 18th birthdays: each case whose victim was a minor
-- when identified stores the keyed tag of the month they turn 18
-- (vault.Keys.MonthTag, never the month or the day in plaintext), so that
-- the board reads and decrypts only the cases of the months it shows.
-- Filled by the service on every write of a date of birth, and once for
-- older cases at start-up (cases.Service.BackfillMajorityMonths). It replaces
-- cases_minors_identified, which only the board read.
ALTER TABLE cases ADD COLUMN majority_month TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_majority_month ON cases(shelter_id, majority_month) WHERE majority_month <> '';
DROP INDEX cases_minors_identified;
