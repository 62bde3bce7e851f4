package report_test

import (
	"slices"
	"testing"

	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/report"
)

func TestRegion(t *testing.T) {
	tests := []struct {
		name string
		iso  string
		want string
	}{
		{"Nigeria", "NG", "africa"},
		{"Morocco is Northern Africa", "MA", "africa"},
		{"Western Sahara", "EH", "africa"},
		{"British Indian Ocean Territory is Eastern Africa", "IO", "africa"},
		{"French Southern Territories are Eastern Africa", "TF", "africa"},
		{"Brazil", "BR", "americas"},
		{"Greenland is Northern America", "GL", "americas"},
		{"Bouvet Island is South America", "BV", "americas"},
		{"South Georgia is South America", "GS", "americas"},
		{"Curaçao is Caribbean", "CW", "americas"},
		{"China", "CN", "asia"},
		{"Turkey is Western Asia", "TR", "asia"},
		{"Cyprus is Western Asia", "CY", "asia"},
		{"Taiwan is Eastern Asia", "TW", "asia"},
		{"Palestine", "PS", "asia"},
		{"Romania", "RO", "europe"},
		{"Russia is Eastern Europe", "RU", "europe"},
		{"Belgium", "BE", "europe"},
		{"Åland", "AX", "europe"},
		{"Kosovo, not ISO-assigned", "XK", "europe"},
		{"Australia", "AU", "oceania"},
		{"Heard and McDonald Islands", "HM", "oceania"},
		{"US Minor Outlying Islands are Micronesia", "UM", "oceania"},
		{"Antarctica has no M49 region", "AQ", "unknown"},
		{"unknown nationality", "XX", "unknown"},
		{"empty", "", "unknown"},
		{"lower case", "ng", "unknown"},
		{"alpha-3", "NGA", "unknown"},
		{"exceptionally reserved UK", "UK", "unknown"},
		{"exceptionally reserved EU", "EU", "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := report.Region(tt.iso); got != tt.want {
				t.Errorf("Region(%q) = %q, want %q", tt.iso, got, tt.want)
			}
		})
	}
}

func TestRegionsOrder(t *testing.T) {
	want := []string{"africa", "americas", "asia", "europe", "oceania", "unknown"}
	if !slices.Equal(report.Regions, want) {
		t.Errorf("Regions = %v, want %v", report.Regions, want)
	}
}

// allPairs returns every two-letter upper-case string, AA to ZZ.
func allPairs() []string {
	var codes []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			codes = append(codes, string([]rune{a, b}))
		}
	}
	return codes
}

// TestRegionCoversNationalities checks the table against the nationalities
// the case package accepts: every accepted code except XX (unknown) and AQ
// (Antarctica, in no M49 region) has a region, and every code with a region
// is accepted, except XK.
func TestRegionCoversNationalities(t *testing.T) {
	noRegion := map[string]bool{"XX": true, "AQ": true}
	extra := map[string]bool{"XK": true}
	accepted, withRegion := 0, 0
	perRegion := map[string]int{}
	for _, code := range allPairs() {
		valid := cases.ValidNationality(code)
		region := report.Region(code)
		if valid && code != "XX" {
			accepted++
		}
		if region != "unknown" {
			withRegion++
			perRegion[region]++
		}
		switch {
		case valid && !noRegion[code] && region == "unknown":
			t.Errorf("Region(%q) = unknown, want a region: the case package accepts %s", code, code)
		case valid && noRegion[code] && region != "unknown":
			t.Errorf("Region(%q) = %q, want unknown", code, region)
		case !valid && region != "unknown" && !extra[code]:
			t.Errorf("Region(%q) = %q, want unknown: the case package rejects %s", code, region, code)
		}
	}
	if accepted != 249 {
		t.Errorf("the case package accepts %d ISO 3166-1 codes, want 249", accepted)
	}
	// 249 assigned codes, less AQ, plus XK.
	if withRegion != 249 {
		t.Errorf("%d codes have a region, want 249", withRegion)
	}
	wantPer := map[string]int{"africa": 60, "americas": 57, "asia": 51, "europe": 52, "oceania": 29}
	for _, r := range report.Regions {
		if perRegion[r] != wantPer[r] {
			t.Errorf("%s has %d codes, want %d", r, perRegion[r], wantPer[r])
		}
	}
}
