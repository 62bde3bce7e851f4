package eligibility

import (
	"reflect"
	"strings"
	"testing"
)

func TestStatesAndProceedingsOrder(t *testing.T) {
	wantStates := []State{"identified", "reflection", "provisional_permit", "temporary_permit",
		"indefinite_stay", "eu_assistance", "declined", "status_withdrawn",
		"humanitarian_application", "returned", "left_procedure", "closed"}
	if got := States(); !reflect.DeepEqual(got, wantStates) {
		t.Errorf("States: got %v, want %v", got, wantStates)
	}
	wantProc := []Proceedings{"none", "complaint_filed", "charged", "convicted", "acquitted", "dismissed", "settled", "immunity"}
	if got := AllProceedings(); !reflect.DeepEqual(got, wantProc) {
		t.Errorf("AllProceedings: got %v, want %v", got, wantProc)
	}
	// Each call returns a fresh slice.
	States()[0] = "changed"
	if got := States()[0]; got != StateIdentified {
		t.Errorf("States after mutating a result: got %q, want %q", got, StateIdentified)
	}
}

func TestInPermit(t *testing.T) {
	want := map[State]bool{StateReflection: true, StateProvisionalPermit: true, StateTemporaryPermit: true}
	for _, s := range States() {
		t.Run(string(s), func(t *testing.T) {
			if got := s.InPermit(); got != want[s] {
				t.Errorf("got %v, want %v", got, want[s])
			}
		})
	}
}

func TestIsEUCitizen(t *testing.T) {
	eu := strings.Fields("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE")
	if len(eu) != 27 {
		t.Fatalf("test table: got %d member states, want 27", len(eu))
	}
	for _, c := range eu {
		if !IsEUCitizen(c) {
			t.Errorf("IsEUCitizen(%q): got false, want true", c)
		}
	}
	for _, c := range []string{"XX", "", "NG", "GB", "CH", "NO", "UA", "AL", "EL", "EU", "be", "Be", "BEL"} {
		if IsEUCitizen(c) {
			t.Errorf("IsEUCitizen(%q): got true, want false", c)
		}
	}
}

func TestSeverityRank(t *testing.T) {
	tests := []struct {
		s    Severity
		want int
	}{
		{SeverityCritical, 0}, {SeverityHigh, 1}, {SeverityMedium, 2}, {SeverityInfo, 3}, {"bogus", 4},
	}
	for _, tt := range tests {
		t.Run(string(tt.s), func(t *testing.T) {
			if got := tt.s.Rank(); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestDefaultSettings(t *testing.T) {
	want := Settings{
		ReflectionDays: 45, ProvisionalMonths: 3, ProvisionalExtensions: 1, ProvisionalExtensionMonths: 3,
		TemporaryMonths: 6, RenewalWarningDays: 30, DismissalWindowYears: 2,
		CriticalDays: 7, HighDays: 14, MediumDays: 30,
		IdentificationWarningDays: 7, IdentificationCriticalDays: 30,
		MajorityHorizonDays: 90, GuardianshipNotificationDays: 1,
		RightsInformationDays: 3, RightsCriticalOverdueDays: 14, NonPunishmentPendingDays: 30,
		ReferralFollowUpDays: 14,
	}
	if got := DefaultSettings(); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if err := DefaultSettings().Validate(); err != nil {
		t.Errorf("Validate defaults: got %v, want nil", err)
	}
}

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		name      string
		mod       func(*Settings)
		wantField string // "" means valid
	}{
		{"defaults", func(*Settings) {}, ""},
		{"zero extensions allowed", func(s *Settings) { s.ProvisionalExtensions = 0 }, ""},
		{"equal thresholds", func(s *Settings) { s.CriticalDays, s.HighDays, s.MediumDays = 10, 10, 10 }, ""},
		{"reflection zero", func(s *Settings) { s.ReflectionDays = 0 }, "reflection_days"},
		{"provisional months zero", func(s *Settings) { s.ProvisionalMonths = 0 }, "provisional_months"},
		{"extension months zero", func(s *Settings) { s.ProvisionalExtensionMonths = 0 }, "provisional_extension_months"},
		{"temporary months negative", func(s *Settings) { s.TemporaryMonths = -6 }, "temporary_months"},
		{"negative extensions", func(s *Settings) { s.ProvisionalExtensions = -1 }, "provisional_extensions"},
		{"negative renewal warning", func(s *Settings) { s.RenewalWarningDays = -1 }, "renewal_warning_days"},
		{"negative dismissal window", func(s *Settings) { s.DismissalWindowYears = -2 }, "dismissal_window_years"},
		{"negative critical", func(s *Settings) { s.CriticalDays = -1 }, "severity_critical_days"},
		{"negative majority horizon", func(s *Settings) { s.MajorityHorizonDays = -1 }, "majority_horizon_days"},
		{"negative guardianship days", func(s *Settings) { s.GuardianshipNotificationDays = -1 }, "guardianship_notification_days"},
		{"critical above high", func(s *Settings) { s.CriticalDays = 15 }, "severity_high_days must be at least severity_critical_days (15), got 14"},
		{"high above medium", func(s *Settings) { s.HighDays = 31 }, "severity_medium_days must be at least severity_high_days (31), got 30"},
		{"identification warning above critical", func(s *Settings) { s.IdentificationWarningDays = 31 }, "identification_critical_days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSettings()
			tt.mod(&s)
			err := s.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Errorf("got %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got nil, want an error naming %s", tt.wantField)
			}
			if !strings.Contains(err.Error(), tt.wantField) {
				t.Errorf("got %q, want it to name %q", err, tt.wantField)
			}
		})
	}
}

func TestSeverityFor(t *testing.T) {
	set := DefaultSettings()
	tests := []struct {
		days int
		want Severity
	}{
		{-30, SeverityCritical}, {-1, SeverityCritical}, {0, SeverityCritical}, {7, SeverityCritical},
		{8, SeverityHigh}, {14, SeverityHigh}, {15, SeverityMedium}, {30, SeverityMedium},
		{31, SeverityInfo}, {400, SeverityInfo},
	}
	for _, tt := range tests {
		if got := set.SeverityFor(tt.days); got != tt.want {
			t.Errorf("SeverityFor(%d): got %s, want %s", tt.days, got, tt.want)
		}
	}
}

func TestNewSnapshotDefaults(t *testing.T) {
	s := NewSnapshot()
	if !s.Cooperating.Value || !s.GuidanceActive.Value {
		t.Errorf("got Cooperating=%v GuidanceActive=%v, want both true", s.Cooperating.Value, s.GuidanceActive.Value)
	}
	if s.State != StateIdentified || s.Proceedings != ProceedingsNone {
		t.Errorf("got state %q proceedings %q, want identified / none", s.State, s.Proceedings)
	}
	if s.ContactWithTrafficker.Value || s.IdentityProven.Value || s.GuardianshipNotified.Value || s.Missing.Value {
		t.Errorf("got a default-false fact set to true: %+v", s)
	}
}

func TestSnapshotMinor(t *testing.T) {
	tests := []struct {
		name          string
		dob           string
		unaccompanied bool
		on            string
		want          bool
	}{
		{"17, the day before the 18th birthday", "2007-06-02", false, "2025-06-01", true},
		{"on the 18th birthday: adult", "2007-06-01", false, "2025-06-01", false},
		{"leap-day child the day before 28 Feb", "2008-02-29", false, "2026-02-27", true},
		{"leap-day child on 28 Feb: adult", "2008-02-29", false, "2026-02-28", false},
		{"adult with a DOB, marked unaccompanied: DOB wins", "1990-01-01", true, "2025-06-01", false},
		{"no DOB, marked unaccompanied", "", true, "2025-06-01", true},
		{"no DOB, not marked", "", false, "2025-06-01", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSnapshot()
			if tt.dob != "" {
				s.DateOfBirth = MustParseDate(tt.dob)
			}
			s.UnaccompaniedMinor = tt.unaccompanied
			if got := s.Minor(MustParseDate(tt.on)); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSnapshotEUCitizen(t *testing.T) {
	s := NewSnapshot()
	for _, tt := range []struct {
		nat  string
		want bool
	}{{"BE", true}, {"RO", true}, {"NG", false}, {"XX", false}} {
		s.Nationality = tt.nat
		if got := s.EUCitizen(); got != tt.want {
			t.Errorf("EUCitizen(%s): got %v, want %v", tt.nat, got, tt.want)
		}
	}
}
