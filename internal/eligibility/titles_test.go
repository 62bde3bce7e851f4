package eligibility

import "testing"

// TestTitleKey checks that every form of every rule's title has a key
// that leads back to it, so that a translated title is the same title.
func TestTitleKey(t *testing.T) {
	keys := TitleKeys()
	for i := range catalogue {
		r := &catalogue[i]
		check := func(kind Kind, title, want string) {
			t.Helper()
			f := Flag{Rule: r.ID, Kind: kind, Title: title}
			if got := TitleKey(f); got != want || keys[got] != title {
				t.Errorf("%s %s %q: got key %q (%q), want %q", r.ID, kind, title, got, keys[got], want)
			}
		}
		if r.Title != "" {
			check(KindRisk, r.Title, "rule."+r.ID+".title")
		}
		if r.ExposureTitle != "" {
			check(KindExposure, r.ExposureTitle, "rule."+r.ID+".exposure_title")
		}
		for form, title := range r.FormTitles {
			check(KindRisk, title, "rule."+r.ID+".title."+form)
		}
	}
	if got := TitleKey(Flag{Rule: "R99", Title: "x"}); got != "" {
		t.Errorf("unknown rule: got %q, want \"\"", got)
	}
	if keys["rule.R07.title.uncharged"] != "Case dismissed before any charges were filed" {
		t.Errorf("R07 uncharged title key: got %q", keys["rule.R07.title.uncharged"])
	}
}
