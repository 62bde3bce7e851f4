package eligibility

import (
	"encoding"
	"encoding/json"
	"testing"
	"time"
)

// These assignments pin the exported API that internal/case is written
// against: a changed signature fails to compile here first.
var (
	_ func(int, time.Month, int) Date           = NewDate
	_ func(string) (Date, error)                = ParseDate
	_ func(string) Date                         = MustParseDate
	_ func(time.Time) Date                      = Today
	_ func(time.Time) Date                      = DateOf
	_ func(Date) Date                           = Birthday18
	_ func(Date, Date) int                      = MonthsBetween
	_ func() []State                            = States
	_ func() []Proceedings                      = AllProceedings
	_ func(string) bool                         = IsEUCitizen
	_ func() Settings                           = DefaultSettings
	_ func() Snapshot                           = NewSnapshot
	_ func(Snapshot, Date, Settings) []Deadline = Deadlines
	_ func(Snapshot, Date, Settings) []Flag     = Evaluate
	_ func([]Flag, []Flag) []string             = WouldLose
	_ func() []RuleInfo                         = Rules
	_ func(Date) string                         = Date.String
	_ func(Date) bool                           = Date.IsZero
	_ func(Date, int) Date                      = Date.AddDays
	_ func(Date, int) Date                      = Date.AddMonths
	_ func(Date, int) Date                      = Date.AddYears
	_ func(Date, Date) int                      = Date.DaysUntil
	_ func(Date, Date) bool                     = Date.Before
	_ func(Date, Date) bool                     = Date.After
	_ func(Date, Date) int                      = Date.Compare
	_ func(State) bool                          = State.InPermit
	_ func(Severity) int                        = Severity.Rank
	_ func(Settings) error                      = Settings.Validate
	_ func(Settings, int) Severity              = Settings.SeverityFor
	_ func(Snapshot) bool                       = Snapshot.EUCitizen
	_ func(Snapshot, Date) bool                 = Snapshot.Minor
	_ json.Marshaler                            = Date{}
	_ json.Unmarshaler                          = (*Date)(nil)
	_ encoding.TextMarshaler                    = Date{}
	_ encoding.TextUnmarshaler                  = (*Date)(nil)
	_                                           = Flag{DueOn: (*Date)(nil), Source: Source{}, AtRisk: []string{}, Kind: KindRisk, Basis: BasisReport, Severity: SeverityInfo}
	_                                           = RuleInfo{ID: "", Name: "", Basis: BasisStatute, Quote: "", Recommendation: ""}
	_                                           = Gap{Event: "", Expired: Date{}, RenewedOn: Date{}}
	_                                           = Fact{Value: true, Since: Date{}}
	_                                           = Deadline{Kind: "", DueOn: Date{}, DaysLeft: 0, Severity: SeverityHigh}
)

func TestAPIConstants(t *testing.T) {
	tests := []struct{ got, want string }{
		{Version, "be-nrm-2025.2"},
		{SourceDocument, "2025 Trafficking in Persons Report: Belgium"},
		{SourceSection, "PROTECTION"},
		{string(StateIdentified), "identified"},
		{string(StateHumanitarianApplication), "humanitarian_application"},
		{string(ProceedingsComplaintFiled), "complaint_filed"},
		{string(ProceedingsImmunity), "immunity"},
		{string(SeverityCritical), "critical"},
		{string(KindExposure), "exposure"},
		{string(BasisInferred), "inferred"},
		{AtRiskChildProtection, "child_protection"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
