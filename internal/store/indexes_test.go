package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/store"
)

// TestQueryPlansUseIndexes asks SQLite, with EXPLAIN QUERY PLAN, how it
// runs the main reads at scale (the SQL as internal/case, internal/auth and
// internal/audit send it, with bound parameters), and checks that each
// plan searches the index made for it rather than scanning a table.
func TestQueryPlansUseIndexes(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(store.Options{Driver: store.SQLite, Path: filepath.Join(t.TempDir(), "plans.db"),
		Now: func() time.Time { return time.Date(2025, 6, 15, 10, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		query string
		args  []any
		want  string // in the plan
	}{
		{"deadline board, stored deadlines (list.go Deadlines)",
			`SELECT d.case_id, d.reference, d.kind, d.due_on, d.state FROM case_deadlines AS d
			 WHERE d.shelter_id = ? AND d.due_on <= ? ORDER BY d.due_on, d.reference, d.kind LIMIT 51`,
			[]any{"payoke", "2025-07-15"}, "SEARCH d USING COVERING INDEX case_deadlines_board_cover (shelter_id=? AND due_on<?)"},
		{"deadline board, NRM deadlines only (the API's board)",
			`SELECT d.case_id, d.reference, d.kind, d.due_on, d.state FROM case_deadlines AS d
			 WHERE d.shelter_id = ? AND d.due_on <= ? AND substr(d.kind, 1, 1) <> 'R' ORDER BY d.due_on, d.reference, d.kind LIMIT 51`,
			[]any{"payoke", "2025-07-15"}, "SEARCH d USING COVERING INDEX case_deadlines_board_nrm (shelter_id=? AND due_on<?)"},
		{"deadline board, next page",
			`SELECT d.case_id, d.reference, d.kind, d.due_on, d.state FROM case_deadlines AS d
			 WHERE d.shelter_id = ? AND d.due_on <= ? AND (d.due_on > ? OR (d.due_on = ? AND (d.reference > ? OR (d.reference = ? AND d.kind > ?))))
			 ORDER BY d.due_on, d.reference, d.kind LIMIT 51`,
			[]any{"payoke", "2025-07-15", "2025-06-01", "2025-06-01", "PAY-2025-0001", "PAY-2025-0001", "reflection_end"},
			"USING COVERING INDEX case_deadlines_board_cover (shelter_id=?"},
		{"deadline board, minors' 18th birthdays (majority.go majorityDeadlines)",
			"SELECT id, reference, version, state FROM cases WHERE shelter_id = ? AND majority_month <> '' AND majority_month IN (?,?) AND state <> ?",
			[]any{"payoke", "tag-a", "tag-b", "closed"},
			"USING COVERING INDEX cases_majority_month (shelter_id=? AND majority_month=?)"},
		{"case list page's stamps (list.go listPage)",
			"SELECT id, reference, version, facts_rev, assignee FROM cases WHERE shelter_id = ? ORDER BY reference DESC LIMIT 51",
			[]any{"payoke"}, "SEARCH cases USING COVERING INDEX cases_list_stamp (shelter_id=?)"},
		{"case list, newest first (list.go List)",
			"SELECT * FROM `cases` WHERE shelter_id = ? ORDER BY reference DESC LIMIT 51",
			[]any{"payoke"}, "SEARCH cases USING INDEX cases_list_stamp (shelter_id=?)"},
		{"case list, next page",
			"SELECT * FROM `cases` WHERE shelter_id = ? AND reference < ? ORDER BY reference DESC LIMIT 51",
			[]any{"payoke", "PAY-2025-0100"}, "SEARCH cases USING INDEX cases_list_stamp (shelter_id=? AND reference<?)"},
		{"case list by state",
			"SELECT * FROM `cases` WHERE shelter_id = ? AND state = ? ORDER BY reference DESC LIMIT 51",
			[]any{"payoke", "reflection"}, "SEARCH cases USING INDEX cases_shelter_state (shelter_id=? AND state=?)"},
		{"case list by proceedings",
			"SELECT * FROM `cases` WHERE shelter_id = ? AND proceedings = ? ORDER BY reference DESC LIMIT 51",
			[]any{"payoke", "charged"}, "SEARCH cases USING INDEX cases_shelter_proceedings (shelter_id=? AND proceedings=?)"},
		{"case list by rule",
			"SELECT * FROM `cases` WHERE shelter_id = ? AND id IN (SELECT case_id FROM case_flags WHERE rule = ?) ORDER BY reference DESC LIMIT 51",
			[]any{"payoke", "R24"}, "SEARCH case_flags USING COVERING INDEX case_flags_rule (rule=?)"},
		{"case list by severity",
			"SELECT * FROM `cases` WHERE shelter_id = ? AND id IN (SELECT case_id FROM case_flags WHERE severity = ?) ORDER BY reference DESC LIMIT 51",
			[]any{"payoke", "critical"}, "SEARCH case_flags USING COVERING INDEX case_flags_severity (severity=?)"},
		{"case by id (service.go load)",
			"SELECT * FROM `cases` WHERE id = ? AND shelter_id = ? LIMIT 1",
			[]any{"8f0c1f0e-0000-4000-8000-000000000000", "payoke"}, "SEARCH cases USING INDEX sqlite_autoindex_cases_1 (id=?)"},
		{"duplicate warning (orgs.go duplicates)",
			"SELECT id, reference, shelter_id FROM `cases` WHERE identity_fingerprint = ? AND id <> ? AND data_key IS NOT NULL ORDER BY reference",
			[]any{"fp", "8f0c1f0e-0000-4000-8000-000000000000"}, "SEARCH cases USING INDEX cases_identity_fingerprint (identity_fingerprint=?)"},
		{"fingerprint backfill, next batch (orgs.go BackfillFingerprints)",
			"SELECT id, data_key, given_name_enc, family_name_enc, alias_enc, date_of_birth_enc FROM `cases` WHERE identity_fingerprint = '' AND id > ? AND data_key IS NOT NULL ORDER BY id LIMIT 500",
			[]any{"8f0c1f0e-0000-4000-8000-000000000000"}, "SEARCH cases USING INDEX cases_identity_fingerprint (identity_fingerprint=? AND id>?)"},
		{"statistics backfill, next batch (statistics.go BackfillStatistics)",
			"SELECT id, identified_on, age_band, data_key, given_name_enc, family_name_enc, alias_enc, date_of_birth_enc FROM `cases` WHERE ctdc_age_band = '' AND id > ? ORDER BY id LIMIT 500",
			[]any{"8f0c1f0e-0000-4000-8000-000000000000"}, "SEARCH cases USING INDEX cases_ctdc_pending (id>?)"},
		{"whether a start-up backfill is done (backfill.go onceBackfill)",
			"SELECT count(*) FROM `backfills` WHERE name = ?",
			[]any{"return_states"}, "SEARCH backfills USING COVERING INDEX sqlite_autoindex_backfills_1 (name=?)"},
		{"case history (audit.ForCase)",
			"SELECT * FROM `audit_log` WHERE case_id = ? ORDER BY seq",
			[]any{"8f0c1f0e-0000-4000-8000-000000000000"}, "SEARCH audit_log USING INDEX audit_log_case (case_id=?)"},
		{"flag counts by rule and severity (metrics)",
			"SELECT rule, severity, COUNT(*) AS n FROM case_flags GROUP BY rule, severity ORDER BY rule, severity",
			nil, "SCAN case_flags USING COVERING INDEX case_flags_rule_severity"},
		{"audit export of one shelter (audit export)",
			"SELECT seq FROM `audit_log` WHERE seq >= ? AND seq <= ? AND shelter = ? ORDER BY seq",
			[]any{1, 1000000, "payoke"}, "SEARCH audit_log USING COVERING INDEX audit_log_shelter (shelter=? AND seq>? AND seq<?)"},
		{"audit export of one case",
			"SELECT seq FROM `audit_log` WHERE seq >= ? AND case_id = ? ORDER BY seq",
			[]any{1, "8f0c1f0e-0000-4000-8000-000000000000"}, "USING COVERING INDEX audit_log_case (case_id=? AND seq>?)"},
		{"login session (auth.Authenticate)",
			"SELECT users.role FROM `users` JOIN auth_sessions ON auth_sessions.username = users.username WHERE users.username = ? AND auth_sessions.id = ? LIMIT 1",
			[]any{"ana", "s1"}, "USING INDEX sqlite_autoindex_auth_sessions_1 (id=?)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rows []struct {
				ID     int
				Parent int
				Detail string
			}
			if err := db.Read.Raw("EXPLAIN QUERY PLAN "+tc.query, tc.args...).Scan(&rows).Error; err != nil {
				t.Fatalf("explain: %v", err)
			}
			var plan []string
			for _, r := range rows {
				plan = append(plan, r.Detail)
			}
			got := strings.Join(plan, "\n")
			if !strings.Contains(got, tc.want) {
				t.Errorf("plan:\n%s\nwant it to contain %q", got, tc.want)
			}
			for _, p := range plan {
				if strings.HasPrefix(p, "SCAN ") && !strings.Contains(p, "USING COVERING INDEX") {
					t.Errorf("plan scans a table: %q (in\n%s)", p, got)
				}
				// A sort reads every row of the range before the first
				// one is answered: the board's cost would follow the
				// number of cases (migration 0018).
				if strings.HasPrefix(tc.name, "deadline board, ") && strings.Contains(p, "TEMP B-TREE") {
					t.Errorf("the board sorts: %q (in\n%s)", p, got)
				}
			}
		})
	}
}
