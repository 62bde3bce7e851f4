-- A page of the case list reads, for its cases, only what decides
-- whether their kept views still hold (id, version, facts revision,
-- assignee) in reference order (internal/case/list.go). This index holds
-- all of it, so the page reads index pages alone: reading the 50 case rows
-- was most of the list's query, the more so as a reader's page cache is
-- dropped whenever the database changed, which under load is every few
-- milliseconds (docs/performance.md "Issue 18"). It replaces
-- cases_shelter_reference, its prefix.
CREATE INDEX cases_list_stamp ON cases(shelter_id, reference, id, version, facts_rev, assignee);
DROP INDEX cases_shelter_reference;
