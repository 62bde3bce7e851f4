package cases

import (
	"testing"

	"github.com/casemgr/casemgr/internal/eligibility"
)

// TestAgeBand checks the age band on the identification date at every
// band boundary: the band changes on the birthday itself.
func TestAgeBand(t *testing.T) {
	p := eligibility.MustParseDate
	for _, c := range []struct {
		name, dob, identified, want string
	}{
		{"no date of birth", "", "2025-01-10", "unknown"},
		{"newborn", "2025-01-01", "2025-01-10", "0-13"},
		{"day before 14", "2000-06-15", "2014-06-14", "0-13"},
		{"14th birthday", "2000-06-15", "2014-06-15", "14-17"},
		{"day before 18", "2000-06-15", "2018-06-14", "14-17"},
		{"18th birthday", "2000-06-15", "2018-06-15", "18-24"},
		{"born 29 February, 28 February of the 18th year", "2008-02-29", "2026-02-28", "18-24"},
		{"born 29 February, 27 February of the 18th year", "2008-02-29", "2026-02-27", "14-17"},
		{"day before 25", "2000-06-15", "2025-06-14", "18-24"},
		{"25th birthday", "2000-06-15", "2025-06-15", "25-34"},
		{"35th birthday", "1990-06-15", "2025-06-15", "35-49"},
		{"day before 50", "1975-06-15", "2025-06-14", "35-49"},
		{"50th birthday", "1975-06-15", "2025-06-15", "50+"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var dob Date
			if c.dob != "" {
				dob = p(c.dob)
			}
			if got := ageBand(dob, p(c.identified)); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestCTDCAgeBand(t *testing.T) {
	p := eligibility.MustParseDate
	for _, c := range []struct {
		name, dob, identified, want string
	}{
		{"no date of birth", "", "2025-01-10", "unknown"},
		{"newborn", "2025-01-01", "2025-01-10", "0-8"},
		{"day before 9", "2000-06-15", "2009-06-14", "0-8"},
		{"9th birthday", "2000-06-15", "2009-06-15", "9-17"},
		{"day before 18", "2000-06-15", "2018-06-14", "9-17"},
		{"18th birthday", "2000-06-15", "2018-06-15", "18-20"},
		{"born 29 February, 28 February of the 18th year", "2008-02-29", "2026-02-28", "18-20"},
		{"21st birthday", "2000-06-15", "2021-06-15", "21-23"},
		{"24th birthday", "2000-06-15", "2024-06-15", "24-26"},
		{"day before 27", "2000-06-15", "2027-06-14", "24-26"},
		{"27th birthday", "2000-06-15", "2027-06-15", "27-29"},
		{"30th birthday", "1995-06-15", "2025-06-15", "30-38"},
		{"day before 39", "1986-06-15", "2025-06-14", "30-38"},
		{"39th birthday", "1986-06-15", "2025-06-15", "39-47"},
		{"day before 48", "1977-06-15", "2025-06-14", "39-47"},
		{"48th birthday", "1977-06-15", "2025-06-15", "48+"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var dob Date
			if c.dob != "" {
				dob = p(c.dob)
			}
			if got := ctdcAgeBand(dob, p(c.identified)); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}
