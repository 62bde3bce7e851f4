package store_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/store"
)

// fillSQLite writes a few rows into every table of a migrated SQLite
// database, with the value kinds the services write: blobs, booleans,
// instants, NULLs, generated ids.
func fillSQLite(t *testing.T, db *store.DB) {
	t.Helper()
	at := time.Date(2025, 6, 15, 10, 0, 0, 123456000, time.UTC)
	stmts := []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO shelters (id, name, city, official_nrm, ref_prefix, created_at, updated_at) VALUES ('payoke', 'Payoke', 'Antwerp', ?, 'PAY', ?, ?)", []any{true, at, at}},
		{"INSERT INTO shelters (id, name, city, official_nrm, ref_prefix, created_at, updated_at) VALUES ('other', 'Other', '', ?, 'OTH', ?, ?)", []any{false, at, at}},
		{"INSERT INTO users (username, role, shelter_id, password_hash, disabled, created_at, updated_at) VALUES ('cw', 'caseworker', 'payoke', 'h', ?, ?, ?)", []any{false, at, at}},
		{"INSERT INTO users (username, role, shelter_id, password_hash, disabled, created_at, updated_at) VALUES ('root', 'admin', NULL, 'h', ?, ?, ?)", []any{true, at, at}},
		{"INSERT INTO auth_sessions (id, username, created_at, expires_at, revoked_at) VALUES ('s1', 'cw', ?, ?, NULL)", []any{at, at.Add(time.Hour)}},
		{"INSERT INTO refresh_tokens (token_hash, session_id, created_at, used_at) VALUES ('t1', 's1', ?, ?)", []any{at, at}},
		{"INSERT INTO reference_counters (shelter_id, year, last) VALUES ('payoke', 2025, 7)", nil},
		{`INSERT INTO cases (id, reference, shelter_id, version, state, proceedings, identified_on, identified_by, last_event_on,
			data_key, given_name_enc, family_name_enc, alias_enc, date_of_birth_enc, name_index, name_index_rev, erased_at,
			gender, nationality, unaccompanied_minor, age_band, exploitation, facts, demo, created_at, updated_at)
			VALUES ('c1', 'PAY-2025-0007', 'payoke', 3, 'reflection', 'none', '2025-06-01', 'police', '2025-06-02',
			?, ?, ?, NULL, ?, 'ix', 'ixr', NULL, 'female', 'NG', ?, '18-24', 'labour', '{}', ?, ?, ?)`,
			[]any{[]byte{0, 1, 2, 255}, []byte("g"), []byte("f"), []byte("d"), true, false, at, at}},
		{"INSERT INTO case_flags (case_id, rule, severity, kind) VALUES ('c1', 'R01', 'high', 'deadline')", nil},
		{"INSERT INTO case_deadlines (case_id, shelter_id, kind, due_on) VALUES ('c1', 'payoke', 'reflection_end', '2025-07-16')", nil},
		{`INSERT INTO audit_log (seq, recorded_at, occurred_on, case_id, case_ref, shelter, actor, actor_role, event, from_state,
			to_state, from_proceedings, to_proceedings, data, note_digest, rules_version, prev_hash, hash)
			VALUES (1, '2025-06-15T10:00:00.000000Z', '2025-06-01', 'c1', 'PAY-2025-0007', 'payoke', 'cw', 'caseworker', 'open_case',
			'', 'identified', '', 'none', '{}', '', 'r', 'z', 'h1'),
			(2, '2025-06-15T10:00:01.000000Z', '2025-06-02', 'c1', 'PAY-2025-0007', 'payoke', 'cw', 'caseworker', 'start_reflection',
			'identified', 'reflection', 'none', 'none', '{}', 'nd', 'r', 'h1', 'h2')`, nil},
		{"UPDATE audit_head SET seq = 2, hash = 'h2' WHERE id = 1", nil},
		{"INSERT INTO case_notes (seq, case_id, note_enc) VALUES (2, 'c1', ?)", []any{[]byte("sealed")}},
		{"INSERT INTO audit_checkpoints (seq, hash, signed_at, signature, key_id) VALUES (2, 'h2', '2025-06-15T10:00:02.000000Z', 'sig', 'k')", nil},
		{"INSERT INTO access_log (accessed_at, actor, actor_role, case_id, shelter, action) VALUES ('2025-06-15T10:00:03.000000Z', 'cw', 'caseworker', 'c1', 'payoke', 'read')", nil},
		{"INSERT INTO access_log (accessed_at, actor, actor_role, case_id, shelter, action) VALUES ('2025-06-15T10:00:04.000000Z', 'cw', 'caseworker', 'c1', 'payoke', 'history')", nil},
		{"INSERT INTO web_sessions (session_id, token_hash, csrf_token, created_at, last_seen_at) VALUES ('s1', 'wt', 'csrf', ?, ?)", []any{at, at}},
		{"INSERT INTO backfills (name, done_at) VALUES ('return_states', ?)", []any{at}},
		{"INSERT INTO calendar_feeds (username, token_hash, role, shelter_id, created_at) VALUES ('cw', 'ft', 'caseworker', 'payoke', ?)", []any{at}},
	}
	for _, s := range stmts {
		if err := db.Write.Exec(s.sql, s.args...).Error; err != nil {
			t.Fatalf("fill source: %v\n%s", err, s.sql)
		}
	}
}

func TestCopy(t *testing.T) {
	ctx := context.Background()
	dst := open(t, store.Postgres)
	src := migrated(t, store.SQLite)
	fillSQLite(t, src)

	verified := false
	rep, err := store.Copy(ctx, src, dst, store.CopyOptions{BatchRows: 1, Verify: func(ctx context.Context, tx *gorm.DB) error {
		verified = true
		var seq int64
		return tx.Raw("SELECT seq FROM audit_head").Scan(&seq).Error
	}})
	if err != nil {
		t.Fatalf("copy: %v", err)
	}
	if !verified {
		t.Errorf("Verify: got not called, want called")
	}
	ms, _ := store.Migrations(store.Postgres)
	if len(rep.Migrated) != len(ms) || rep.SchemaVersion != len(ms) {
		t.Errorf("migrated: got %v at version %d, want all %d", rep.Migrated, rep.SchemaVersion, len(ms))
	}
	pos := map[string]int{}
	for i, tc := range rep.Tables {
		pos[tc.Table] = i
		var want int64
		src.Read.Raw("SELECT COUNT(*) FROM " + tc.Table).Scan(&want)
		if tc.Source != want || tc.Target != want {
			t.Errorf("%s: got %d read, %d in the target, want %d", tc.Table, tc.Source, tc.Target, want)
		}
	}
	for _, e := range [][2]string{{"shelters", "users"}, {"users", "auth_sessions"}, {"cases", "case_notes"}, {"audit_log", "case_notes"}, {"auth_sessions", "web_sessions"}} {
		if pos[e[0]] >= pos[e[1]] {
			t.Errorf("order: got %s at %d and %s at %d, want the parent first", e[0], pos[e[0]], e[1], pos[e[1]])
		}
	}

	var c struct {
		DataKey            []byte
		AliasEnc           []byte
		UnaccompaniedMinor bool
		Demo               bool
		CreatedAt          time.Time
		ErasedAt           *time.Time
	}
	dst.Read.Raw("SELECT data_key, alias_enc, unaccompanied_minor, demo, created_at, erased_at FROM cases WHERE id = 'c1'").Scan(&c)
	at := time.Date(2025, 6, 15, 10, 0, 0, 123456000, time.UTC)
	if !bytes.Equal(c.DataKey, []byte{0, 1, 2, 255}) || c.AliasEnc != nil || !c.UnaccompaniedMinor || c.Demo || !c.CreatedAt.Equal(at) || c.ErasedAt != nil {
		t.Errorf("copied case: got %+v, want the source's values", c)
	}
	var head struct {
		Seq  int64
		Hash string
	}
	dst.Read.Raw("SELECT seq, hash FROM audit_head").Scan(&head)
	if head.Seq != 2 || head.Hash != "h2" {
		t.Errorf("audit_head: got %d %s, want 2 h2", head.Seq, head.Hash)
	}
	var done []time.Time
	dst.Read.Raw("SELECT done_at FROM backfills WHERE name = 'return_states'").Scan(&done)
	if len(done) != 1 || !done[0].Equal(at) {
		t.Errorf("backfills: got %v, want the source's row done at %v", done, at)
	}
	var disabled []bool
	dst.Read.Raw("SELECT disabled FROM users ORDER BY username").Scan(&disabled)
	if len(disabled) != 2 || disabled[0] || !disabled[1] {
		t.Errorf("users.disabled: got %v, want [false true]", disabled)
	}
	// The access log's sequence continues after the copied ids.
	if err := dst.Write.Exec("INSERT INTO access_log (accessed_at, actor, actor_role, case_id, shelter, action) VALUES ('x', 'cw', 'caseworker', 'c1', 'payoke', 'read')").Error; err != nil {
		t.Fatalf("insert after copy: %v", err)
	}
	var ids []int64
	dst.Read.Raw("SELECT id FROM access_log ORDER BY id").Scan(&ids)
	if len(ids) != 3 || ids[2] != 3 {
		t.Errorf("access_log ids: got %v, want [1 2 3]", ids)
	}

	// A second copy into the now full target is refused.
	_, err = store.Copy(ctx, src, dst, store.CopyOptions{})
	if err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "audit_log (2 rows)") {
		t.Errorf("copy into a full target: got %v, want a refusal naming audit_log (2 rows)", err)
	}
}

func TestCopyRefusals(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		prepare func(t *testing.T, src *store.DB)
		verify  func(context.Context, *gorm.DB) error
		want    string
	}{
		{"source behind the latest schema", func(t *testing.T, src *store.DB) {
			src.Write.Exec("DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)")
		}, nil, "run `casemgr migrate` on it first"},
		{"failed verification rolls back", nil, func(context.Context, *gorm.DB) error { return errors.New("chain broken at seq 2") }, "chain broken at seq 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := open(t, store.Postgres)
			src := migrated(t, store.SQLite)
			fillSQLite(t, src)
			if tt.prepare != nil {
				tt.prepare(t, src)
			}
			_, err := store.Copy(ctx, src, dst, store.CopyOptions{Verify: tt.verify})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			var n int64
			if dst.Read.Raw("SELECT COUNT(*) FROM audit_log").Scan(&n).Error == nil && n != 0 {
				t.Errorf("target audit_log: got %d rows, want 0 (nothing copied)", n)
			}
		})
	}
	t.Run("wrong directions", func(t *testing.T) {
		a := migrated(t, store.SQLite)
		b := migrated(t, store.SQLite)
		if _, err := store.Copy(ctx, a, b, store.CopyOptions{}); err == nil || !strings.Contains(err.Error(), "want a SQLite source and a PostgreSQL target") {
			t.Errorf("got %v, want a refusal", err)
		}
	})
}
