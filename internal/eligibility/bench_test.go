package eligibility

import (
	"context"
	"testing"

	"github.com/looplab/fsm"
)

// benchSnapshots is a realistic mix of cases on 2025-06-01: different states,
// some quiet, some raising three to six flags.
func benchSnapshots() []Snapshot {
	identified := quietSnapshot() // adult waiting for a decision: R24
	identified.State, identified.Proceedings = StateIdentified, ProceedingsNone
	identified.IdentifiedOn = d("2025-05-10")

	reflection := quietSnapshot() // reflection ending, complaint filed: R04, R08, R20
	inReflection(&reflection)
	reflection.Proceedings, reflection.ComplaintOn = ProceedingsComplaintFiled, d("2025-05-20")
	reflection.LegalAid = Fact{}

	provisional := quietSnapshot() // provisional, unproven identity, forced criminality
	inProvisional(&provisional)
	provisional.Extensions = 1
	provisional.IdentityProven = Fact{}
	provisional.Exploitation = []string{"forced_criminality"}

	temporary := mixedSnapshot() // six or more flags across all severities

	dismissed := quietSnapshot() // the what-if after a dismissal
	inTemporary(&dismissed)
	dismissed.Proceedings, dismissed.DismissedOn = ProceedingsDismissed, d("2025-06-01")

	minor := quietSnapshot() // unaccompanied minor: R12, R13, R14, R21
	inReflection(&minor)
	minor.UnaccompaniedMinor = true
	minor.DateOfBirth = d("2007-07-15")
	minor.IdentifiedOn = d("2025-04-28")
	minor.Missing = f(true, "2025-05-30")

	eu := quietSnapshot() // EU citizen with a compensation claim: R19, R16
	eu.State, eu.Proceedings, eu.Nationality = StateEUAssistance, ProceedingsCharged, "RO"
	eu.CompensationRoute, eu.CompensationClaimedOn = "fund", d("2025-05-01")

	settled := quietSnapshot() // indefinite stay: quiet
	return []Snapshot{identified, reflection, provisional, temporary, dismissed, minor, eu, settled}
}

// BenchmarkEvaluate measures one Evaluate call, cycling through the mix.
func BenchmarkEvaluate(b *testing.B) {
	snaps := benchSnapshots()
	asOf := d("2025-06-01")
	set := DefaultSettings()
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		n += len(Evaluate(snaps[i%len(snaps)], asOf, set))
	}
	if n == 0 {
		b.Fatal("got no flags over the whole mix, want some")
	}
}

// BenchmarkFSMEvent measures the reference cost: building a looplab/fsm
// with the NRM track's events and firing one event.
func BenchmarkFSMEvent(b *testing.B) {
	events := fsm.Events{
		{Name: "start_reflection", Src: []string{"identified"}, Dst: "reflection"},
		{Name: "file_complaint", Src: []string{"identified", "reflection", "declined"}, Dst: "provisional_permit"},
		{Name: "issue_provisional_permit", Src: []string{"identified"}, Dst: "provisional_permit"},
		{Name: "confirm_victim_status", Src: []string{"provisional_permit"}, Dst: "temporary_permit"},
		{Name: "grant_indefinite_stay", Src: []string{"temporary_permit"}, Dst: "indefinite_stay"},
		{Name: "decline_cooperation", Src: []string{"identified", "reflection"}, Dst: "declined"},
		{Name: "withdraw_status", Src: []string{"reflection", "provisional_permit", "temporary_permit"}, Dst: "status_withdrawn"},
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		m := fsm.NewFSM("identified", events, fsm.Callbacks{})
		if err := m.Event(ctx, "start_reflection"); err != nil {
			b.Fatalf("start_reflection: got %v, want nil", err)
		}
	}
}

// TestBenchSnapshotsFlagCounts keeps the benchmark mix realistic: the
// number of flags of each snapshot is pinned.
func TestBenchSnapshotsFlagCounts(t *testing.T) {
	want := []int{1, 3, 5, 8, 3, 5, 2, 0}
	for i, s := range benchSnapshots() {
		got := Evaluate(s, d("2025-06-01"), DefaultSettings())
		if len(got) != want[i] {
			t.Errorf("snapshot %d: got %d flags %v, want %d", i, len(got), ruleIDs(got), want[i])
		}
	}
}
