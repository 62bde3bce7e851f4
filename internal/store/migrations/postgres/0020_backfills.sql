-- The start-up backfills that repair only what older versions wrote (the
-- majority month tag of cases stored before schema 13, the return states
-- of cases closed or out of contact before rules version 2) record here
-- that they ran to completion on this database: every change since writes
-- those fields, so the next starts skip their scan of the cases table
-- (6 to 7 s of every start at 1M cases, docs/performance.md "Start-up
-- backfills"). One row per backfill (cases.Service, backfill.go), written
-- once; a database without the row runs the backfill at its next start.
CREATE TABLE backfills (
  name    TEXT COLLATE "C" PRIMARY KEY,
  done_at TIMESTAMPTZ NOT NULL
);
