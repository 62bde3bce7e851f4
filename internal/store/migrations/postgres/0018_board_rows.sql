-- The deadline board is ordered by due date, then case reference, then
-- kind. The reference was read from the cases table for every deadline of
-- the due dates the page reaches, to sort them: at 1M cases, hundreds of
-- deadlines share each day, and those lookups were nine tenths of the
-- board's time (docs/performance.md "Issue 18"). A case's reference never
-- changes, so each deadline row now carries it, and the index holds the
-- board's whole order: a page reads its rows and stops. The rows carry the
-- case's state too (kept in step by every change: storeDerived in
-- internal/case/service.go), so that a page reads no case row at all.
-- The API's board leaves out the due dates of flags (kinds R..), which
-- come first at 1M cases (two thousand of them before the fiftieth NRM
-- deadline): a partial index holds the NRM deadlines alone.
ALTER TABLE case_deadlines ADD COLUMN reference TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE case_deadlines ADD COLUMN state TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE case_deadlines SET reference = (SELECT reference FROM cases WHERE cases.id = case_deadlines.case_id),
  state = (SELECT state FROM cases WHERE cases.id = case_deadlines.case_id);
DROP INDEX case_deadlines_board_cover;
CREATE INDEX case_deadlines_board_cover ON case_deadlines(shelter_id, due_on, reference, kind, case_id, state);
CREATE INDEX case_deadlines_board_nrm ON case_deadlines(shelter_id, due_on, reference, kind, case_id, state) WHERE substr(kind, 1, 1) <> 'R';
