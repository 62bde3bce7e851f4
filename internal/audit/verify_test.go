package audit

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// memChain builds an intact chain of n records in memory with ComputeHash.
func memChain(t *testing.T, n int) []Record {
	t.Helper()
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	recs := make([]Record, 0, n)
	prev := ZeroHash
	for i := 1; i <= n; i++ {
		data, err := DataOf(map[string]any{"i": i})
		if err != nil {
			t.Fatalf("DataOf: %v", err)
		}
		r := Record{
			Seq: int64(i), RecordedAt: FormatTime(base.Add(time.Duration(i) * time.Second)),
			OccurredOn: "2026-03-01", CaseID: fmt.Sprintf("case-%d", i%3), CaseRef: fmt.Sprintf("REF-%d", i%3),
			Shelter: "sürya", Actor: "u-1", ActorRole: "caseworker", Event: "prove_identity",
			FromState: "reflection", ToState: "reflection", FromProceedings: "none", ToProceedings: "none",
			Data: data, RulesVersion: "2026.1", PrevHash: prev,
		}
		if r.Hash, err = ComputeHash(r); err != nil {
			t.Fatalf("ComputeHash: %v", err)
		}
		prev = r.Hash
		recs = append(recs, r)
	}
	return recs
}

func rehash(t *testing.T, r *Record) {
	t.Helper()
	h, err := ComputeHash(*r)
	if err != nil {
		t.Fatalf("ComputeHash: %v", err)
	}
	r.Hash = h
}

func TestVerifier(t *testing.T) {
	tests := []struct {
		name       string
		n          int
		tamper     func(t *testing.T, recs []Record) []Record
		wantOK     bool
		wantBad    int64
		wantCount  int64
		wantReason string
	}{
		{name: "intact", n: 6, wantOK: true, wantCount: 6},
		{name: "empty", n: 0, wantOK: true, wantCount: 0},
		{
			name: "field changed", n: 6, wantBad: 4, wantCount: 3, wantReason: "does not match the record's contents",
			tamper: func(t *testing.T, r []Record) []Record { r[3].ToState = "closed"; return r },
		},
		{
			name: "data value changed", n: 6, wantBad: 2, wantCount: 1, wantReason: "does not match the record's contents",
			tamper: func(t *testing.T, r []Record) []Record { r[1].Data = `{"i":99}`; return r },
		},
		{
			name: "hash field changed", n: 6, wantBad: 5, wantCount: 4, wantReason: "does not match",
			tamper: func(t *testing.T, r []Record) []Record { r[4].Hash = strings.Repeat("f", 64); return r },
		},
		{
			name: "record rewritten with its hash recomputed", n: 6, wantBad: 5, wantCount: 4, wantReason: "prev_hash",
			tamper: func(t *testing.T, r []Record) []Record { r[3].Actor = "someone-else"; rehash(t, &r[3]); return r },
		},
		{
			name: "data re-spaced, hash recomputed", n: 6, wantBad: 2, wantCount: 1, wantReason: "not in canonical (JCS) form",
			tamper: func(t *testing.T, r []Record) []Record { r[1].Data = `{ "i": 2 }`; rehash(t, &r[1]); return r },
		},
		{
			name: "data empty", n: 3, wantBad: 3, wantCount: 2, wantReason: "not in canonical (JCS) form",
			tamper: func(t *testing.T, r []Record) []Record { r[2].Data = ""; return r },
		},
		{
			name: "data not JSON", n: 3, wantBad: 1, wantCount: 0, wantReason: "seq 1: audit: data",
			tamper: func(t *testing.T, r []Record) []Record { r[0].Data = `{"i":`; return r },
		},
		{
			name: "middle record missing", n: 6, wantBad: 3, wantCount: 2, wantReason: "seq 3: found seq 4",
			tamper: func(t *testing.T, r []Record) []Record { return slices.Delete(r, 2, 3) },
		},
		{
			name: "first record missing", n: 4, wantBad: 1, wantCount: 0, wantReason: "seq 1: found seq 2",
			tamper: func(t *testing.T, r []Record) []Record { return r[1:] },
		},
		{
			name: "two records swapped", n: 6, wantBad: 2, wantCount: 1, wantReason: "seq 2: found seq 3",
			tamper: func(t *testing.T, r []Record) []Record { r[1], r[2] = r[2], r[1]; return r },
		},
		{
			name: "two records' seq swapped in place", n: 6, wantBad: 2, wantCount: 1, wantReason: "prev_hash",
			tamper: func(t *testing.T, r []Record) []Record {
				r[1], r[4] = r[4], r[1]
				r[1].Seq, r[4].Seq = 2, 5
				return r
			},
		},
		{
			name: "record duplicated", n: 5, wantBad: 4, wantCount: 3, wantReason: "seq 4: found seq 3",
			tamper: func(t *testing.T, r []Record) []Record { return slices.Insert(r, 3, r[2]) },
		},
		{
			name: "first prev_hash not zeros", n: 3, wantBad: 1, wantCount: 0, wantReason: "prev_hash",
			tamper: func(t *testing.T, r []Record) []Record {
				r[0].PrevHash = strings.Repeat("1", 64)
				rehash(t, &r[0])
				return r
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs := memChain(t, tc.n)
			intact := slices.Clone(recs)
			if tc.tamper != nil {
				recs = tc.tamper(t, recs)
			}
			v := NewVerifier()
			var stoppedAt int
			for i, r := range recs {
				if !v.Add(r) {
					stoppedAt = i + 1
					break
				}
			}
			got := v.Result()
			if got.OK != tc.wantOK {
				t.Fatalf("OK: got %v (%s), want %v", got.OK, got.Reason, tc.wantOK)
			}
			if got.FirstBadSeq != tc.wantBad {
				t.Errorf("FirstBadSeq: got %d, want %d", got.FirstBadSeq, tc.wantBad)
			}
			if got.Records != tc.wantCount || got.HeadSeq != tc.wantCount {
				t.Errorf("Records, HeadSeq: got %d, %d, want %d, %d", got.Records, got.HeadSeq, tc.wantCount, tc.wantCount)
			}
			wantHead := ZeroHash
			if tc.wantCount > 0 {
				wantHead = recs[tc.wantCount-1].Hash // the verified prefix
			}
			if got.HeadHash != wantHead {
				t.Errorf("HeadHash: got %s, want %s", got.HeadHash, wantHead)
			}
			if !strings.Contains(got.Reason, tc.wantReason) {
				t.Errorf("Reason: got %q, want it to contain %q", got.Reason, tc.wantReason)
			}
			if tc.wantOK && got.Reason != "" {
				t.Errorf("Reason on success: got %q, want empty", got.Reason)
			}
			if !tc.wantOK {
				// Later Adds are ignored, even of records that would fit.
				if stoppedAt == 0 {
					t.Fatalf("Add: got true for every record, want false at the break")
				}
				if v.Add(intact[0]) {
					t.Errorf("Add after the break: got true, want false")
				}
				if again := v.Result(); again != got {
					t.Errorf("Result after ignored Add: got %+v, want %+v", again, got)
				}
				if ind := independentVerify(recs); ind != tc.wantBad {
					t.Errorf("independent verifier: got first bad %d, want %d", ind, tc.wantBad)
				}
			}
		})
	}
}
