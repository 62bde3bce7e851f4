package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/casemgr/casemgr/internal/app"
	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/seed"
)

// TestBackupRestoreDrill takes a backup with the CLI while four writers
// record events, restores the copy into a new data directory, opens it
// with a fresh app on the same key directory, and checks that the copy
// is a consistent database: integrity_check ok, the audit chain verifies,
// every case reads back (decrypted) through the case service, and it holds
// at least what was committed before the backup began. A second backup to
// the same file is refused and leaves the file as it was.
func TestBackupRestoreDrill(t *testing.T) {
	apptest.SkipOnPostgres(t, "VACUUM INTO backups are SQLite's")
	ctx := context.Background()
	src := apptest.New(t, nil)
	g, err := seed.NewGenerator(seed.Options{Shelters: []string{"payoke", "surya"}, EventsPerCase: 4,
		Today: eligibility.Today(src.Clock.Now()), Seed: 5, Settings: src.Cases.Settings()})
	if err != nil {
		t.Fatal(err)
	}
	sp := seed.ServicePath{Cases: src.Cases}
	var ids []string
	for i := 0; i < 30; i++ {
		p, err := g.Next()
		if err != nil {
			t.Fatal(err)
		}
		id, err := sp.Write(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			ids = append(ids, id) // payoke's cases
		}
	}
	headBefore, _, err := audit.Head(src.DB.Read)
	if err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var written atomic.Int64
	today := eligibility.Today(src.Clock.Now()).String()
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := ids[(w+4*i)%len(ids)]
				_, err := src.Cases.RecordEvent(ctx, seed.Actor("payoke"), id, cases.EventInput{Type: "grant_legal_aid", OccurredOn: today})
				if err != nil && !strings.Contains(err.Error(), "closed") {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				if err == nil {
					written.Add(1)
				}
			}
		}(w)
	}
	out := filepath.Join(t.TempDir(), "copy.db")
	var stdout, stderr strings.Builder
	err = run(ctx, []string{"backup", "--data", src.Dir, "--out", out}, testEnv(nil), strings.NewReader(""), &stdout, &stderr)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v; %s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "backup written to "+out) {
		t.Errorf("backup printed %q, want it to name %s", stdout.String(), out)
	}
	if written.Load() == 0 {
		t.Errorf("no event was written during the backup; the drill needs concurrent writes")
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
		t.Errorf("backup file mode: got %v, want %v", got, want)
	}

	// Refuse to overwrite, and leave the file alone.
	err = run(ctx, []string{"backup", "--data", src.Dir, "--out", out}, testEnv(nil), strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second backup to the same file: got %v, want an error saying it exists", err)
	}
	if fi2, err := os.Stat(out); err != nil || fi2.Size() != fi.Size() || !fi2.ModTime().Equal(fi.ModTime()) {
		t.Errorf("the existing backup changed: %v", err)
	}

	// Restore: the copy becomes the database of a new data directory; the
	// keys stay where they were.
	dir := t.TempDir()
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "casemgr.db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := apptest.Config(dir)
	cfg.Security.KeyDir = src.Dir
	restored, err := app.Open(ctx, cfg, src.Clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open the restored copy: %v", err)
	}
	defer restored.Close()
	var check string
	if err := restored.DB.Read.Raw("PRAGMA integrity_check").Scan(&check).Error; err != nil || check != "ok" {
		t.Errorf("integrity_check of the copy: got %q, %v, want ok", check, err)
	}
	res, err := audit.VerifyDB(ctx, restored.DB.Read)
	if err != nil || !res.OK {
		t.Fatalf("audit chain of the copy: got %+v, %v, want intact", res, err)
	}
	if res.HeadSeq < headBefore {
		t.Errorf("copy's chain ends at seq %d, want at least %d (committed before the backup)", res.HeadSeq, headBefore)
	}
	var rows []struct {
		ID        string
		ShelterID string
		Version   int
	}
	if err := restored.DB.Read.Table("cases").Select("id, shelter_id, version").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if got, want := len(rows), 30; got != want {
		t.Fatalf("cases in the copy: got %d, want %d", got, want)
	}
	var events int64
	for _, r := range rows {
		c, err := restored.Cases.Get(ctx, seed.Actor(r.ShelterID), r.ID, eligibility.Date{})
		if err != nil {
			t.Fatalf("case %s in the copy: %v", r.ID, err)
		}
		if c.Victim.GivenName == "" || c.Version != r.Version {
			t.Errorf("case %s in the copy: got given name %q version %d, want a decrypted name and version %d", r.ID, c.Victim.GivenName, c.Version, r.Version)
		}
		events += int64(r.Version)
	}
	var caseRecords int64
	if err := restored.DB.Read.Table("audit_log").Where("case_id <> ''").Count(&caseRecords).Error; err != nil {
		t.Fatal(err)
	}
	if events != caseRecords {
		t.Errorf("sum of case versions in the copy: got %d, want %d (one audit record per change)", events, caseRecords)
	}
}
