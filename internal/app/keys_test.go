package app_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/app"
	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
)

// TestKeysMustOpenTheData checks that casemgr refuses, at every start, key
// files that cannot open the database's encrypted cases: lost key files
// regenerated (and the refusal repeated at the next start), or the key
// files of another database.
func TestKeysMustOpenTheData(t *testing.T) {
	apptest.SkipOnPostgres(t, "the database and the key files share one data directory here")
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	open := func(dir string) (*app.App, error) {
		return app.Open(ctx, apptest.Config(dir), func() time.Time { return apptest.DefaultNow }, log)
	}
	dir := t.TempDir()
	a, err := open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Auth.CreateUser(ctx, auth.System, auth.NewUser{Username: "cw", Password: apptest.Password,
		Role: auth.RoleCaseworker, Shelter: "pag-asa"}); err != nil {
		t.Fatal(err)
	}
	cw := auth.Actor{Username: "cw", Role: auth.RoleCaseworker, Shelter: "pag-asa"}
	if _, err := a.Cases.Create(ctx, cw, cases.NewCase{
		Victim:       cases.VictimInput{GivenName: "A", FamilyName: "B", Nationality: "NG", Gender: "female"},
		Exploitation: []string{"sexual"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
	}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	keyDir := apptest.Config(dir).KeyDir()
	kek := filepath.Join(keyDir, "kek.keys")
	saved, err := os.ReadFile(kek)
	if err != nil {
		t.Fatal(err)
	}

	// Lost: refused at the first start and at the next.
	os.Remove(kek)
	for i := range 2 {
		if _, err := open(dir); err == nil || !strings.Contains(err.Error(), "kek.keys was just generated") {
			t.Errorf("start %d without kek.keys: got %v, want a refusal naming kek.keys", i+1, err)
		}
	}
	// Another database's key files: refused.
	other := t.TempDir()
	b, err := open(other)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	foreign, err := os.ReadFile(filepath.Join(apptest.Config(other).KeyDir(), "kek.keys"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kek, foreign, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := open(dir); err == nil || !strings.Contains(err.Error(), "do not open the database's encrypted cases") {
		t.Errorf("start with another database's kek.keys: got %v, want a refusal", err)
	}
	// The right keys restored: it starts.
	if err := os.WriteFile(kek, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err = open(dir)
	if err != nil {
		t.Fatalf("start with the restored keys: %v", err)
	}
	a.Close()
}
