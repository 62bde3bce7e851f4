package report

import (
	"regexp"
	"testing"
)

func TestParseCents(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"111227.00", 11122700, true},
		{"1000.5", 100050, true},
		{"7", 700, true},
		{"0.01", 1, true},
		{"", 0, false},
		{".50", 0, false},
		{"1.234", 0, false},
		{"-1.00", 0, false},
		{"1e3", 0, false},
		{"1,00", 0, false},
		{"1.-5", 0, false},
		{"+1.00", 0, false},
		{"1.+5", 0, false},
		{"1000000000001.00", 0, false},
	} {
		got, err := parseCents(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseCents(%q): got %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	if got := formatCents(11122700); got != "111227.00" {
		t.Errorf("formatCents: got %s, want 111227.00", got)
	}
}

var twoPlaces = regexp.MustCompile(`^[0-9]+\.[0-9]{2}$`)

// FuzzParseCents checks that every amount accepted round-trips through
// formatCents and is never negative.
func FuzzParseCents(f *testing.F) {
	for _, s := range []string{"111227.00", "1000.5", "0", "1.234", "-1", "+1.00", "9999999999999.99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCents(s)
		if err != nil {
			return
		}
		out := formatCents(c)
		if c < 0 || !twoPlaces.MatchString(out) {
			t.Fatalf("parseCents(%q) = %d, formatted %q", s, c, out)
		}
		back, err := parseCents(out)
		if err != nil || back != c {
			t.Fatalf("round trip of %q: got %d, %v, want %d", out, back, err, c)
		}
	})
}
