package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/app"
	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestStartBackfillsOnce starts casemgr on a database upgraded with cases
// stored the old way (a minor's case without its month tag, a closed case
// without the state it was closed in): that start repairs them and records
// it in backfills; the next start reads no case for those backfills, so
// cases stored the old way in between (by hand: no version since writes
// them) stay as they are (docs/performance.md "Start-up backfills").
func TestStartBackfillsOnce(t *testing.T) {
	ctx := context.Background()
	cfg := apptest.Config(t.TempDir())
	if apptest.Postgres() {
		cfg.Database.Driver = string(store.Postgres)
		cfg.Database.DSN = storetest.Schema(t)
	}
	var logs bytes.Buffer
	open := func() *app.App {
		t.Helper()
		logs.Reset()
		a, err := app.Open(ctx, cfg, func() time.Time { return apptest.DefaultNow }, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	cw := auth.Actor{Username: "cw", Role: auth.RoleCaseworker, Shelter: "pag-asa"}
	// oldStyle stores a minor's case and a closed case as versions before
	// schema 13 and rules version 2 did, and returns their ids.
	oldStyle := func(a *app.App) (minor, closed string) {
		t.Helper()
		newCase := func(dob string) string {
			c, err := a.Cases.Create(ctx, cw, cases.NewCase{
				Victim:       cases.VictimInput{GivenName: "A", FamilyName: "B", Nationality: "NG", Gender: "female", DateOfBirth: dob},
				Exploitation: []string{"sexual"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
			})
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		minor, closed = newCase("2010-01-31"), newCase("1990-05-05")
		for _, in := range []cases.EventInput{{Type: "start_reflection", OccurredOn: "2025-06-02"},
			{Type: "close_case", OccurredOn: "2025-06-03", Data: map[string]any{"reason": "victim_request"}}} {
			if _, err := a.Cases.RecordEvent(ctx, cw, closed, in); err != nil {
				t.Fatal(err)
			}
		}
		for _, u := range []struct{ q, id string }{{"UPDATE cases SET majority_month = '' WHERE id = ?", minor},
			{`UPDATE cases SET facts = REPLACE(facts, '"closed_from":"reflection",', '') WHERE id = ?`, closed}} {
			if err := a.DB.Write.Exec(u.q, u.id).Error; err != nil {
				t.Fatal(err)
			}
		}
		return minor, closed
	}
	repaired := func(a *app.App, minor, closed string) (tagged, closedFrom bool) {
		t.Helper()
		var n int64
		if err := a.DB.Read.Raw("SELECT COUNT(*) FROM cases WHERE id = ? AND majority_month <> ''", minor).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		tagged = n == 1
		if err := a.DB.Read.Raw(`SELECT COUNT(*) FROM cases WHERE id = ? AND facts LIKE '%"closed_from":"reflection"%'`, closed).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return tagged, n == 1
	}
	markers := func(a *app.App) []string {
		t.Helper()
		var names []string
		if err := a.DB.Read.Raw("SELECT name FROM backfills ORDER BY name").Scan(&names).Error; err != nil {
			t.Fatal(err)
		}
		return names
	}

	a := open()
	if _, err := a.Auth.CreateUser(ctx, auth.System, auth.NewUser{Username: cw.Username, Password: apptest.Password,
		Role: cw.Role, Shelter: cw.Shelter}); err != nil {
		t.Fatal(err)
	}
	minor, closed := oldStyle(a)
	if err := a.DB.Write.Exec("DELETE FROM backfills").Error; err != nil { // the database as the upgrade finds it
		t.Fatal(err)
	}
	a.Close()

	a = open()
	if tagged, from := repaired(a, minor, closed); !tagged || !from {
		t.Errorf("start after the upgrade: month tag stored %v, state closed from stored %v, want both", tagged, from)
	}
	if got := strings.Join(markers(a), " "); got != "majority_months return_states" {
		t.Errorf("start after the upgrade: backfills holds %q, want majority_months return_states", got)
	}
	for _, msg := range []string{"stored the month tag", "recorded the state closed"} {
		if !strings.Contains(logs.String(), msg) {
			t.Errorf("start after the upgrade: the log does not say %q:\n%s", msg, logs.String())
		}
	}
	minor2, closed2 := oldStyle(a)
	a.Close()

	a = open()
	defer a.Close()
	if tagged, from := repaired(a, minor2, closed2); tagged || from {
		t.Errorf("next start: month tag stored %v, state closed from stored %v, want neither (the backfills ran again)", tagged, from)
	}
	if got := strings.Join(markers(a), " "); got != "majority_months return_states" {
		t.Errorf("next start: backfills holds %q, want majority_months return_states", got)
	}
}
