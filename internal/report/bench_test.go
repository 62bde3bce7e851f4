package report_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/report"
)

// benchEnv opens 400 cases identified in 2025, each with four events.
func benchEnv(b *testing.B) (*apptest.Env, auth.Actor) {
	env := apptest.New(b, nil)
	env.Clock.Set(time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC))
	ctx := context.Background()
	cw := env.AddUser(b, "cw", auth.RoleCaseworker, "pag-asa")
	aud := env.AddUser(b, "aud", auth.RoleAuditor, "")
	nats := []string{"NG", "RO", "BR", "CN", "XX", "MA"}
	for i := range 400 {
		day := fmt.Sprintf("2025-%02d-%02d", 1+i%12, 1+i%20)
		c, err := env.Cases.Create(ctx, cw, cases.NewCase{
			Victim: cases.VictimInput{GivenName: "A", FamilyName: "B", Nationality: nats[i%len(nats)],
				Gender: "female", DateOfBirth: "1990-01-01"},
			Exploitation: []string{"sexual"}, IdentifiedOn: day, IdentifiedBy: "police",
		})
		if err != nil {
			b.Fatal(err)
		}
		for _, typ := range []string{"file_complaint", "prove_identity", "grant_legal_aid", "join_as_civil_party"} {
			if c, err = env.Cases.RecordEvent(ctx, cw, c.ID, cases.EventInput{Type: typ, OccurredOn: day}); err != nil {
				b.Fatal(err)
			}
		}
	}
	return env, aud
}

// BenchmarkAnnual computes the national annual report of 400 cases (2,000
// records), replaying every case day by day through the rules.
func BenchmarkAnnual(b *testing.B) {
	env, aud := benchEnv(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := env.Reports.Annual(ctx, aud, report.AnnualQuery{Year: 2025}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnnualBaselineScan reads the same records in the same order and
// does nothing with them: the floor of any report computed from the chain.
func BenchmarkAnnualBaselineScan(b *testing.B) {
	env, _ := benchEnv(b)
	ctx := context.Background()
	head, _, err := audit.Head(env.DB.Read)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		n := 0
		err := audit.EachCaseRecord(ctx, env.DB.Read, audit.CaseRecords{MaxSeq: head, OccurredTo: "2025-12-31"},
			func(audit.Record) error { n++; return nil })
		if err != nil || n == 0 {
			b.Fatal(n, err)
		}
	}
}
