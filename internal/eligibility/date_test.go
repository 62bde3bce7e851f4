package eligibility

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDateArithmetic(t *testing.T) {
	tests := []struct {
		name string
		got  Date
		want string
	}{
		{"add months clamps 31 Jan to 30 Apr", MustParseDate("2024-01-31").AddMonths(3), "2024-04-30"},
		{"add months clamps 30 Nov to 29 Feb in a leap year", MustParseDate("2023-11-30").AddMonths(3), "2024-02-29"},
		{"chained months add to the current expiry", MustParseDate("2023-11-30").AddMonths(3).AddMonths(3), "2024-05-29"},
		{"add six months clamps 31 Aug to 28 Feb", MustParseDate("2024-08-31").AddMonths(6), "2025-02-28"},
		{"add months across the year", MustParseDate("2024-11-15").AddMonths(3), "2025-02-15"},
		{"subtract months", MustParseDate("2025-03-31").AddMonths(-1), "2025-02-28"},
		{"subtract months across the year", MustParseDate("2025-01-15").AddMonths(-13), "2023-12-15"},
		{"add 45 days", MustParseDate("2024-12-20").AddDays(45), "2025-02-03"},
		{"add 1 day at year end", MustParseDate("2024-12-31").AddDays(1), "2025-01-01"},
		{"add 1 day to 28 Feb in a leap year", MustParseDate("2024-02-28").AddDays(1), "2024-02-29"},
		{"add 1 day to 28 Feb in a common year", MustParseDate("2025-02-28").AddDays(1), "2025-03-01"},
		{"subtract 30 days", MustParseDate("2025-06-15").AddDays(-30), "2025-05-16"},
		{"add years clamps 29 Feb", MustParseDate("2024-02-29").AddYears(2), "2026-02-28"},
		{"add years keeps 29 Feb in a leap year", MustParseDate("2024-02-29").AddYears(4), "2028-02-29"},
		{"add 2 years", MustParseDate("2024-09-01").AddYears(2), "2026-09-01"},
		{"18th birthday of a leap-day child", Birthday18(MustParseDate("2008-02-29")), "2026-02-28"},
		{"18th birthday", Birthday18(MustParseDate("2007-06-02")), "2025-06-02"},
		{"zero date plus days stays zero", Date{}.AddDays(10), ""},
		{"zero date plus months stays zero", Date{}.AddMonths(3), ""},
		{"zero date has no 18th birthday", Birthday18(Date{}), ""},
		{"NewDate normalises like time.Date", NewDate(2025, time.February, 30), "2025-03-02"},
		{"NewDate normalises months", NewDate(2024, 14, 1), "2025-02-01"},
		{"NewDate keeps a real date", NewDate(2025, time.June, 1), "2025-06-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDateAgainstTime checks AddDays and DaysUntil against the time package
// over a long range.
func TestDateAgainstTime(t *testing.T) {
	start := time.Date(1900, 1, 1, 12, 0, 0, 0, time.UTC)
	base := NewDate(1900, time.January, 1)
	for i := 0; i < 150*366; i += 7 {
		tm := start.AddDate(0, 0, i)
		want := Date{Year: tm.Year(), Month: tm.Month(), Day: tm.Day()}
		if got := base.AddDays(i); got != want {
			t.Fatalf("1900-01-01 + %d days: got %v, want %v", i, got, want)
		}
		if got := base.DaysUntil(want); got != i {
			t.Fatalf("days from 1900-01-01 to %v: got %d, want %d", want, got, i)
		}
	}
}

func TestDaysUntilAndCompare(t *testing.T) {
	tests := []struct {
		name        string
		a, b        string
		wantDays    int
		wantCompare int
	}{
		{"same day", "2025-06-01", "2025-06-01", 0, 0},
		{"one day later", "2025-06-01", "2025-06-02", 1, -1},
		{"one day earlier", "2025-06-02", "2025-06-01", -1, 1},
		{"across a leap day", "2024-02-28", "2024-03-01", 2, -1},
		{"a year", "2025-01-01", "2026-01-01", 365, -1},
		{"api example", "2025-01-01", "2026-09-01", 608, -1},
		{"month decides", "2025-05-31", "2025-06-01", 1, -1},
		{"year decides", "2024-12-31", "2025-01-01", 1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := MustParseDate(tt.a), MustParseDate(tt.b)
			if got := a.DaysUntil(b); got != tt.wantDays {
				t.Errorf("DaysUntil: got %d, want %d", got, tt.wantDays)
			}
			if got := a.Compare(b); got != tt.wantCompare {
				t.Errorf("Compare: got %d, want %d", got, tt.wantCompare)
			}
			if got, want := a.Before(b), tt.wantCompare < 0; got != want {
				t.Errorf("Before: got %v, want %v", got, want)
			}
			if got, want := a.After(b), tt.wantCompare > 0; got != want {
				t.Errorf("After: got %v, want %v", got, want)
			}
		})
	}
}

func TestMonthsBetween(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want int
	}{
		{"docs/rules.md example", "2024-09-01", "2025-06-01", 9},
		{"day before a full month", "2024-09-01", "2025-05-31", 8},
		{"same day", "2025-01-01", "2025-01-01", 0},
		{"less than a month", "2025-01-01", "2025-01-31", 0},
		{"clamped month end counts", "2024-01-31", "2024-02-29", 1},
		{"two years", "2023-06-01", "2025-06-01", 24},
		{"backwards", "2025-06-01", "2024-09-01", -9},
		{"backwards, partial month", "2025-06-01", "2025-04-15", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MonthsBetween(MustParseDate(tt.a), MustParseDate(tt.b)); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string // substring of the error; "" for success
	}{
		{"valid", "2025-02-03", "2025-02-03", ""},
		{"leap day", "2024-02-29", "2024-02-29", ""},
		{"first year", "1900-01-01", "1900-01-01", ""},
		{"last year", "9999-12-31", "9999-12-31", ""},
		{"30 February", "2025-02-30", "", "day 30 does not exist in February 2025"},
		{"29 February in a common year", "2025-02-29", "", "day 29 does not exist in February 2025"},
		{"31 April", "2025-04-31", "", "day 31 does not exist in April 2025"},
		{"day 00", "2025-01-00", "", "day 0 does not exist"},
		{"month 13", "2025-13-01", "", "month 13 is not between 01 and 12"},
		{"month 00", "2025-00-10", "", "month 0 is not between 01 and 12"},
		{"year before 1900", "1899-12-31", "", "year 1899 is before 1900"},
		{"no zero padding", "2025-2-3", "", "want the form YYYY-MM-DD"},
		{"no separators", "20250203", "", "want the form YYYY-MM-DD"},
		{"leading space", " 2025-02-03", "", "want the form YYYY-MM-DD"},
		{"trailing space", "2025-02-03 ", "", "want the form YYYY-MM-DD"},
		{"empty", "", "", "empty"},
		{"slashes", "2025/02/03", "", "want the form YYYY-MM-DD"},
		{"letters", "2025-0a-03", "", "digits only"},
		{"sign", "+025-02-03", "", "digits only"},
		{"timestamp", "2025-02-03T00:00:00Z", "", "want the form YYYY-MM-DD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got error %v, want %s", err, tt.want)
				}
				if got.String() != tt.want {
					t.Errorf("got %s, want %s", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %v and no error, want an error containing %q", got, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %q, want it to contain %q", err, tt.wantErr)
			}
			if !got.IsZero() {
				t.Errorf("got %v with the error, want the zero date", got)
			}
		})
	}
}

func TestMustParseDatePanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Errorf("got no panic for 2025-02-30, want one")
		}
	}()
	MustParseDate("2025-02-30")
}

func TestTodayInBrussels(t *testing.T) {
	tests := []struct {
		name string
		now  time.Time
		want string
	}{
		{"winter: 23:30 UTC is the next day in Brussels (UTC+1)", time.Date(2025, 1, 1, 23, 30, 0, 0, time.UTC), "2025-01-02"},
		{"winter: 22:59 UTC is still the same day", time.Date(2025, 1, 1, 22, 59, 0, 0, time.UTC), "2025-01-01"},
		{"summer: 22:30 UTC is the next day in Brussels (UTC+2)", time.Date(2025, 6, 30, 22, 30, 0, 0, time.UTC), "2025-07-01"},
		{"summer: 21:59 UTC is still the same day", time.Date(2025, 6, 30, 21, 59, 0, 0, time.UTC), "2025-06-30"},
		{"a time in another zone", time.Date(2025, 3, 1, 20, 0, 0, 0, time.FixedZone("EST", -5*3600)), "2025-03-02"},
		{"new year's eve in Brussels", time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC), "2025-01-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Today(tt.now).String(); got != tt.want {
				t.Errorf("Today: got %s, want %s", got, tt.want)
			}
			if got := DateOf(tt.now).String(); got != tt.want {
				t.Errorf("DateOf: got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDateJSON(t *testing.T) {
	type wrapper struct {
		D Date  `json:"d"`
		P *Date `json:"p"`
	}
	d := MustParseDate("2025-02-03")
	tests := []struct {
		name string
		in   wrapper
		want string
	}{
		{"date and pointer", wrapper{D: d, P: &d}, `{"d":"2025-02-03","p":"2025-02-03"}`},
		{"zero and nil", wrapper{}, `{"d":null,"p":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatalf("marshal: got error %v, want none", err)
			}
			if string(b) != tt.want {
				t.Errorf("got %s, want %s", b, tt.want)
			}
			var back wrapper
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("unmarshal: got error %v, want none", err)
			}
			if back.D != tt.in.D {
				t.Errorf("round trip: got %v, want %v", back.D, tt.in.D)
			}
		})
	}
}

func TestDateUnmarshalJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr bool
	}{
		{"date", `"2025-02-03"`, "2025-02-03", false},
		{"null", `null`, "", false},
		{"escaped digits", `"\u0032025-02-03"`, "2025-02-03", false},
		{"empty string", `""`, "", true},
		{"invalid day", `"2025-02-30"`, "", true},
		{"number", `20250203`, "", true},
		{"loose form", `"2025-2-3"`, "", true},
		{"timestamp", `"2025-02-03T00:00:00Z"`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := MustParseDate("2000-01-01") // must be overwritten or left on error
			err := json.Unmarshal([]byte(tt.in), &d)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %v and no error, want an error", d)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if d.String() != tt.want {
				t.Errorf("got %q, want %q", d, tt.want)
			}
		})
	}
}

func TestDateText(t *testing.T) {
	tests := []struct {
		name string
		d    Date
		want string
	}{
		{"date", MustParseDate("2025-02-03"), "2025-02-03"},
		{"zero", Date{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.d.MarshalText()
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if string(b) != tt.want {
				t.Errorf("got %q, want %q", b, tt.want)
			}
			back := MustParseDate("2000-01-01")
			if err := back.UnmarshalText(b); err != nil {
				t.Fatalf("unmarshal: got error %v, want none", err)
			}
			if back != tt.d {
				t.Errorf("round trip: got %v, want %v", back, tt.d)
			}
		})
	}
	var d Date
	if err := d.UnmarshalText([]byte("2025-13-01")); err == nil {
		t.Errorf("UnmarshalText(2025-13-01): got no error, want one")
	}
	// A map keyed by Date uses the text form.
	b, err := json.Marshal(map[Date]int{MustParseDate("2025-06-01"): 1})
	if err != nil {
		t.Fatalf("marshal map: got error %v, want none", err)
	}
	if got, want := string(b), `{"2025-06-01":1}`; got != want {
		t.Errorf("map key: got %s, want %s", got, want)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2025-02-03", "2024-02-29", "2025-02-29", "1900-01-01", "9999-12-31", "2025-2-3", "", " 2025-02-03", "0000-00-00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !d.IsZero() {
				t.Fatalf("ParseDate(%q): got %v with error %v, want the zero date", s, d, err)
			}
			return
		}
		if got := d.String(); got != s {
			t.Fatalf("ParseDate(%q).String(): got %q, want %q", s, got, s)
		}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("marshal %v: got error %v, want none", d, err)
		}
		var back Date
		if err := json.Unmarshal(b, &back); err != nil || back != d {
			t.Fatalf("JSON round trip of %q: got %v (error %v), want %v", s, back, err, d)
		}
		if got := d.AddDays(1).AddDays(-1); got != d {
			t.Fatalf("%v + 1 - 1 days: got %v, want %v", d, got, d)
		}
	})
}
