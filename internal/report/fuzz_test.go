package report

import (
	"bytes"
	"encoding/csv"
	"maps"
	"slices"
	"testing"
)

// fuzzPeople builds up to 200 people from data, four bytes a person, with
// every field picked by byte values (invalid values included).
func fuzzPeople(data []byte) []Person {
	genders := []string{"female", "male", "other", "unknown", "bogus"}
	bands := []string{"0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+", "unknown", ""}
	majorities := []string{"adult", "minor", "unknown"}
	citizenships := []string{"NG", "RO", "XX", "be", "", "1ı", "ZZ", "NGA"}
	states := []string{"temporary_permit", "reflection", "closed"}
	proceedings := []string{"charged", "none"}
	types := []string{"sexual", "labour", "forced_criminality", "forced_begging", "domestic_servitude", "unspecified", "other"}

	var people []Person
	for i := 0; i+4 <= len(data) && len(people) < 200; i += 4 {
		b0, b1, b2, b3 := data[i], data[i+1], data[i+2], data[i+3]
		var exploitation []string
		for j, t := range types {
			if b3&(1<<j) != 0 {
				exploitation = append(exploitation, t)
			}
		}
		people = append(people, Person{
			Year:         2023 + int(b0>>7),
			Gender:       genders[int(b0)%len(genders)],
			AgeBand:      bands[int(b1)%len(bands)],
			Majority:     majorities[int(b1>>5)%len(majorities)],
			Citizenship:  citizenships[int(b2)%len(citizenships)],
			Exploitation: exploitation,
			State:        states[int(b2>>4)%len(states)],
			Proceedings:  proceedings[int(b3>>7)],
		})
	}
	return people
}

func FuzzAnonymize(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}, uint8(1))
	f.Add(bytes.Repeat([]byte{2, 2, 0, 1}, 30), uint8(9))
	f.Add(bytes.Repeat([]byte{2, 2, 0, 1, 3, 7, 9, 2, 2, 2, 0, 1}, 20), uint8(3))
	f.Add([]byte("the quick brown fox jumps over the lazy dog, again and again and again"), uint8(18))

	f.Fuzz(func(t *testing.T, data []byte, kb uint8) {
		people := fuzzPeople(data)
		k := 2 + int(kb)%19 // [2, 20]

		rows, suppressed := Anonymize(people, k)
		if len(rows)+suppressed != len(people) {
			t.Fatalf("rows+suppressed: got %d+%d, want %d", len(rows), suppressed, len(people))
		}
		if !slices.IsSortedFunc(rows, slices.Compare[[]string]) {
			t.Fatalf("rows: got unsorted rows, want lexicographic order")
		}

		in := make(map[string]int)
		for _, p := range people {
			in[anonRowKey(CTDCRow(p))]++
		}
		out := anonClassSizes(rows)
		for key, n := range out {
			if n < k {
				t.Fatalf("class %q: got %d rows, want at least k = %d", key, n, k)
			}
		}
		// Only people of classes smaller than k can be dropped: the others
		// are kept, possibly with values generalised or suppressed so that
		// a smaller class can join them (docs/statistics.md). A population
		// that is k-anonymous already comes out unchanged.
		small := 0
		for _, n := range in {
			if n < k {
				small += n
			}
		}
		if dropped := len(people) - len(rows); dropped > small {
			t.Fatalf("dropped %d rows, want at most the %d people of classes smaller than k = %d", dropped, small, k)
		}
		if small == 0 && !maps.Equal(in, out) {
			t.Fatalf("a population k-anonymous already: got classes %v, want %v unchanged", out, in)
		}

		again, suppressedAgain := Anonymize(people, k)
		if suppressedAgain != suppressed || !slices.EqualFunc(again, rows, slices.Equal[[]string]) {
			t.Fatalf("second run: got a different export, want the same")
		}
		reversed := slices.Clone(people)
		slices.Reverse(reversed)
		if rev, s := Anonymize(reversed, k); s != suppressed || !slices.EqualFunc(rev, rows, slices.Equal[[]string]) {
			t.Fatalf("reversed input: got a different export, want the same")
		}

		var buf bytes.Buffer
		meta := AnonymizedMeta{K: k, Rows: len(rows), Suppressed: suppressed}
		if err := WriteAnonymizedCSV(&buf, meta, rows); err != nil {
			t.Fatalf("WriteAnonymizedCSV: got error %v, want nil", err)
		}
		records, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("parse csv: got error %v, want nil", err)
		}
		if !slices.EqualFunc(records[1:], rows, slices.Equal[[]string]) {
			t.Fatalf("csv round trip: got rows different from Anonymize's")
		}
	})
}
