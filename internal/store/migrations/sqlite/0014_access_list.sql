-- One read-access row per list page instead of one per case listed: the
-- first case stays in case_id and the others follow, comma-separated, in
-- more_case_ids. The export still shows one entry per case read, each
-- with the row's id (docs/audit.md "The read-access log"). Fifty rows per
-- page through the one writer bounded how many pages could be served.
ALTER TABLE access_log ADD COLUMN more_case_ids TEXT NOT NULL DEFAULT '';
