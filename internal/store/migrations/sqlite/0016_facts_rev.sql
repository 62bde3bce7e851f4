-- A kept view of a case (internal/case/viewcache.go) is served again only
-- while the case is unchanged. Every event moves the version; the one
-- rewrite of facts without an event (the start-up return-state backfill)
-- moves facts_rev instead, so that reads compare two integers rather than
-- the facts themselves, about 1.2 KB per case (docs/performance.md
-- "Issue 18").
ALTER TABLE cases ADD COLUMN facts_rev INTEGER NOT NULL DEFAULT 0;
