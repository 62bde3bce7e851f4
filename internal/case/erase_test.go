package cases_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/config"
)

// TestEraseReportsABusyCheckpoint checks that an erasure says whether the
// old pages left the SQLite write-ahead log: not while a reader holds it
// (SQLite reports that as busy, not as an error), and the wrapped data key
// is gone from both files once a later checkpoint succeeds.
func TestEraseReportsABusyCheckpoint(t *testing.T) {
	apptest.SkipOnPostgres(t, "the write-ahead log is SQLite's")
	// A short busy timeout: the checkpoint waits that long for the reader.
	env := apptest.New(t, func(c *config.Config) { c.Database.BusyTimeoutMS = 200 })
	ctx := context.Background()
	cw := env.AddUser(t, "cw", auth.RoleCaseworker, "pag-asa")
	admin := env.AddUser(t, "admin", auth.RoleAdmin, "")
	open := func() cases.Case {
		c, err := env.Cases.Create(ctx, cw, cases.NewCase{
			Victim:       cases.VictimInput{GivenName: "A", FamilyName: "B", Nationality: "NG", Gender: "female"},
			Exploitation: []string{"sexual"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	wrapped := func(id string) []byte {
		var k []byte
		if err := env.DB.Read.Raw("SELECT data_key FROM cases WHERE id = ?", id).Row().Scan(&k); err != nil || len(k) == 0 {
			t.Fatalf("data key of %s: %v", id, err)
		}
		return k
	}
	inFiles := func(b []byte) bool {
		for _, f := range []string{"casemgr.db", "casemgr.db-wal"} {
			data, _ := os.ReadFile(filepath.Join(env.Dir, f))
			if bytes.Contains(data, b) {
				return true
			}
		}
		return false
	}

	quiet := open()
	key := wrapped(quiet.ID)
	out, err := env.Cases.Erase(ctx, admin, quiet.ID)
	if err != nil || !out.Erased || !out.Compacted {
		t.Fatalf("erase with no reader: got %+v, %v; want erased and compacted", out, err)
	}
	if inFiles(key) {
		t.Errorf("after a compacted erasure the wrapped data key is still in the files")
	}

	held := open()
	key = wrapped(held.ID)
	reader, err := env.DB.Read.DB()
	if err != nil {
		t.Fatal(err)
	}
	tx, err := reader.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow("SELECT COUNT(*) FROM cases").Scan(&n); err != nil { // a snapshot held open
		t.Fatal(err)
	}
	out, err = env.Cases.Erase(ctx, admin, held.ID)
	if err != nil || !out.Erased || out.Compacted {
		t.Fatalf("erase under a reader: got %+v, %v; want erased, not compacted", out, err)
	}
	tx.Rollback()
	if done, err := env.DB.Checkpoint(ctx); err != nil || !done {
		t.Fatalf("checkpoint once the reader is gone: got %v, %v; want done", done, err)
	}
	if inFiles(key) {
		t.Errorf("after the later checkpoint the wrapped data key is still in the files")
	}
}
