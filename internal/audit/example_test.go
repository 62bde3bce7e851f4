package audit

import (
	"strconv"
	"testing"
)

// exampleRecords builds the two records of the worked example in
// docs/audit.md from their field values.
func exampleRecords(t *testing.T) []Record {
	t.Helper()
	first := Record{
		Seq: 1, RecordedAt: "2026-01-05T09:30:00.000000Z", OccurredOn: "2026-01-05",
		CaseID: "7d1c0a5e-3f7b-4c1e-9b52-1f0e6b2a9c41", CaseRef: "SUR-2026-0007", Shelter: "Sürya",
		Actor: "u-3f9a", ActorRole: "caseworker", Event: "open_case",
		FromState: "", ToState: "identified", FromProceedings: "", ToProceedings: "none",
		Data: "{}", NoteDigest: "", RulesVersion: "2026.1", PrevHash: ZeroHash,
	}
	rehash(t, &first)
	data, err := DataOf(map[string]any{"route": "fund", "physical_violence_documented": true})
	if err != nil {
		t.Fatalf("DataOf: %v", err)
	}
	second := Record{
		Seq: 2, RecordedAt: "2026-01-05T14:02:17.250431Z", OccurredOn: "2026-01-05",
		CaseID: first.CaseID, CaseRef: first.CaseRef, Shelter: first.Shelter,
		Actor: "u-3f9a", ActorRole: "caseworker", Event: "claim_compensation",
		FromState: "identified", ToState: "identified", FromProceedings: "none", ToProceedings: "none",
		Data: data, NoteDigest: NoteDigest([]byte("example-key"), "Claim filed with the fund."),
		RulesVersion: "2026.1", PrevHash: first.Hash,
	}
	rehash(t, &second)
	return []Record{first, second}
}

// csvRow is a record as a CSV export writes it: Fields() order, seq in
// decimal, data as its JCS text, every other field verbatim.
func csvRow(r Record) []string {
	return []string{
		strconv.FormatInt(r.Seq, 10), r.RecordedAt, r.OccurredOn, r.CaseID, r.CaseRef, r.Shelter,
		r.Actor, r.ActorRole, r.Event, r.FromState, r.ToState, r.FromProceedings, r.ToProceedings,
		r.Data, r.NoteDigest, r.RulesVersion, r.PrevHash, r.Hash,
	}
}
