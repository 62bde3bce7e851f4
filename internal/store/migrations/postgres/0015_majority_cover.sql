-- The deadline board reads the candidates of the months it shows (id,
-- reference, version, state) from the index alone: at 1M cases their rows
-- are scattered over a file far larger than memory, and reading them was
-- most of the board's time (docs/performance.md "Issue 18"). Erasure
-- clears majority_month with the data key, so the board no longer asks
-- for the data key.
DROP INDEX cases_majority_month;
CREATE INDEX cases_majority_month ON cases(shelter_id, majority_month, state, reference, version, id) WHERE majority_month <> '';
