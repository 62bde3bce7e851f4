package eligibility

import (
	"os"
	"strings"
	"testing"
)

// seedPath is the copy of the seed report kept in the repository.
const seedPath = "../../docs/sources/tip-2025-belgium.md"

// foldSpace replaces every run of white space by one space.
func foldSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func TestQuotesAndRecommendationsAreInTheSeed(t *testing.T) {
	raw, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatalf("read the seed report: %v", err)
	}
	seed := foldSpace(string(raw))
	protection := seed[strings.Index(seed, "PROTECTION**"):]
	if i := strings.Index(protection, "PREVENTION"); i > 0 {
		protection = protection[:i]
	}
	recs := seed[strings.Index(seed, "PRIORITIZED RECOMMENDATIONS"):strings.Index(seed, "## PROSECUTION")]
	for _, r := range Rules() {
		t.Run(r.ID, func(t *testing.T) {
			if r.Quote == "" {
				t.Fatalf("quote: got empty, want a passage of the seed")
			}
			if !strings.Contains(protection, foldSpace(r.Quote)) {
				t.Errorf("quote: got %q, want a substring of the seed's PROTECTION section", r.Quote)
			}
			if r.Recommendation == "" {
				t.Fatalf("recommendation: got empty, want a prioritized recommendation")
			}
			if !strings.Contains(recs, "- "+foldSpace(r.Recommendation)+" ") {
				t.Errorf("recommendation: got %q, want a full bullet of the seed's PRIORITIZED RECOMMENDATIONS", r.Recommendation)
			}
		})
	}
}

// TestQuoteAndRecommendationMapping pins which passage and which
// recommendation each rule cites (docs/rules.md "Quotes" and "Recommendations"; the brief's
// recommendation groups).
func TestQuoteAndRecommendationMapping(t *testing.T) {
	quoteStart := map[string]string{
		"R01": "The government conditioned", "R03": "The government conditioned",
		"R02": "In addition, foreign victims",
		"R04": "Identified victims were eligible",
		"R05": "If a public prosecutor", "R06": "If a public prosecutor", "R22": "If a public prosecutor", "R25": "If a public prosecutor",
		"R07": "victims could lose", "R08": "victims could lose", "R09": "victims could lose", "R23": "victims could lose",
		"R10": "Nonetheless, observers",
		"R11": "In the absence of a conviction",
		"R12": "Few child victims", "R14": "Few child victims",
		"R13": "Authorities sometimes failed",
		"R15": "Gaps in identification",
		"R16": "Victims could claim compensation",
		"R17": "The three NGO-run shelters",
		"R18": "Victims who chose not to accept",
		"R19": "victims who were not citizens",
		"R20": "The high costs of legal",
		"R21": "Shelters for asylum seekers",
		"R24": "GRETA previously noted",
		"R26": "Belgian law included a non-punishment",
		"R27": "GRETA previously noted",
	}
	recStart := map[string]string{}
	for _, id := range strings.Fields("R01 R02 R03 R04 R05 R06 R07 R08 R09 R10 R11 R12 R14 R18 R19 R22 R23 R25") {
		recStart[id] = "Ensure victims have access to the full range"
	}
	for _, id := range strings.Fields("R13 R17 R21 R24 R27") {
		recStart[id] = "Train officials"
	}
	recStart["R15"] = "Ensure victims are not inappropriately penalized"
	recStart["R26"] = "Ensure victims are not inappropriately penalized"
	recStart["R16"] = "Improve victims' ability"
	recStart["R20"] = "Implement a systemic victim-witness"
	for _, r := range Rules() {
		if !strings.HasPrefix(r.Quote, quoteStart[r.ID]) || quoteStart[r.ID] == "" {
			t.Errorf("%s quote: got %.40q…, want it to start with %q", r.ID, r.Quote, quoteStart[r.ID])
		}
		if !strings.HasPrefix(r.Recommendation, recStart[r.ID]) || recStart[r.ID] == "" {
			t.Errorf("%s recommendation: got %.40q…, want it to start with %q", r.ID, r.Recommendation, recStart[r.ID])
		}
	}
}
