package cases

import (
	"strconv"
	"strings"
	"testing"
)

// joinStamps joins stamps as listPage's query has the database do it.
func joinStamps(rows []listStamp, assignees []string) string {
	var b strings.Builder
	for i, r := range rows {
		if i > 0 {
			b.WriteByte(0x1e)
		}
		b.WriteString(r.ID + "\x1f" + r.Reference + "\x1f" + strconv.Itoa(r.Version) + "\x1f" +
			strconv.Itoa(r.FactsRev) + "\x1f" + assignees[i])
	}
	return b.String()
}

// TestSplitStamps: a page's stamps come back in order, an assignee
// counting only when among the shelter's active users; a malformed
// string is an error, never a short page.
func TestSplitStamps(t *testing.T) {
	rows := []listStamp{{ID: "a", Reference: "PAY-2025-0002", Version: 7, FactsRev: 1}, {ID: "b", Reference: "PAY-2025-0001", Version: 1}}
	got, err := splitStamps(joinStamps(rows, []string{"ana", "gone"}), []string{"ana", "bob"}, 51)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "a" || got[0].Version != 7 || got[0].FactsRev != 1 || got[0].AssigneeNow != "ana" ||
		got[1].ID != "b" || got[1].Reference != "PAY-2025-0001" || got[1].AssigneeNow != "" {
		t.Errorf("got %+v", got)
	}
	if got, err := splitStamps("", nil, 51); err != nil || len(got) != 0 {
		t.Errorf("empty page: %v, %v", got, err)
	}
	for _, bad := range []string{"a\x1fPAY\x1f1\x1f0", "a\x1fPAY\x1fx\x1f0\x1f", "a\x1fPAY\x1f1\x1f0\x1f\x1eb"} {
		if got, err := splitStamps(bad, nil, 51); err == nil {
			t.Errorf("%q: got %+v, want an error", bad, got)
		}
	}
}

// FuzzSplitStamps: any string either parses or is refused, without a
// panic; what parses holds each item's fields, and no assignee counts
// when the shelter has no active user.
func FuzzSplitStamps(f *testing.F) {
	f.Add("a\x1fPAY-2025-0001\x1f3\x1f0\x1fana\x1eb\x1fPAY-2025-0002\x1f1\x1f2\x1f")
	f.Add("")
	f.Add("\x1e\x1f")
	f.Fuzz(func(t *testing.T, s string) {
		rows, err := splitStamps(s, nil, 51)
		if err != nil {
			return
		}
		checkParsed(t, s, len(rows), func(i int, f []string) bool {
			r := rows[i]
			v, _ := strconv.Atoi(f[2])
			fr, _ := strconv.Atoi(f[3])
			return r.ID == f[0] && r.Reference == f[1] && r.Version == v && r.FactsRev == fr && r.AssigneeNow == ""
		})
	})
}

// checkParsed is what the fuzz targets expect of a joined string their
// parser accepted: one parsed row per joined row, each with five fields,
// which same compares with parsed row i.
func checkParsed(t *testing.T, s string, parsed int, same func(i int, f []string) bool) {
	t.Helper()
	if s == "" {
		if parsed != 0 {
			t.Fatalf("empty string gave %d rows", parsed)
		}
		return
	}
	raw := strings.Split(s, "\x1e")
	if parsed != len(raw) {
		t.Fatalf("%d rows from %d items", parsed, len(raw))
	}
	for i, item := range raw {
		if f := strings.Split(item, "\x1f"); len(f) != 5 || !same(i, f) {
			t.Fatalf("item %q parsed as something else", item)
		}
	}
}

// TestSplitDeadlines: a board page's joined rows come back whole, in the
// order joined (the caller sorts them); a row without its five fields is
// an error, never a short page.
func TestSplitDeadlines(t *testing.T) {
	joined := "c1\x1fPAY-2025-0002\x1freflection_end\x1f2025-03-01\x1freflection" +
		"\x1ec2\x1fPAY-2025-0001\x1fR27\x1f2025-02-01\x1fidentified"
	got, err := splitDeadlines(joined, 51)
	if err != nil {
		t.Fatal(err)
	}
	want := []storedDeadline{
		{CaseID: "c1", Reference: "PAY-2025-0002", Kind: "reflection_end", DueOn: "2025-03-01", State: "reflection"},
		{CaseID: "c2", Reference: "PAY-2025-0001", Kind: "R27", DueOn: "2025-02-01", State: "identified"},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got, err := splitDeadlines("", 51); err != nil || len(got) != 0 {
		t.Errorf("empty page: %v, %v", got, err)
	}
	for _, bad := range []string{"c1\x1fPAY\x1fkind\x1f2025-01-01", "c1\x1fPAY\x1fkind\x1f2025-01-01\x1fs\x1fextra",
		"c1\x1fPAY\x1fkind\x1f2025-01-01\x1fs\x1e"} {
		if got, err := splitDeadlines(bad, 51); err == nil {
			t.Errorf("%q: got %+v, want an error", bad, got)
		}
	}
}

// FuzzSplitDeadlines: any string either parses or is refused, without a
// panic; what parses holds each row's five fields.
func FuzzSplitDeadlines(f *testing.F) {
	f.Add("c1\x1fPAY-2025-0002\x1freflection_end\x1f2025-03-01\x1freflection\x1ec2\x1fPAY\x1fR27\x1f2025-02-01\x1fs")
	f.Add("")
	f.Add("\x1e\x1f")
	f.Fuzz(func(t *testing.T, s string) {
		rows, err := splitDeadlines(s, 51)
		if err != nil {
			return
		}
		checkParsed(t, s, len(rows), func(i int, f []string) bool {
			return rows[i] == storedDeadline{CaseID: f[0], Reference: f[1], Kind: f[2], DueOn: f[3], State: f[4]}
		})
	})
}
