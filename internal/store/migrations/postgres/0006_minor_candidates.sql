-- The 18th birthdays of the deadline board read only the cases that can
-- still hold a minor: by age band at identification and identification date.
-- It replaces cases_minors (shelter, band, state).
CREATE INDEX cases_minors_identified ON cases(shelter_id, age_band, identified_on) WHERE data_key IS NOT NULL;
DROP INDEX cases_minors;
