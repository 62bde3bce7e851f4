package cases

import (
	"regexp"
	"sort"

	"github.com/casemgr/casemgr/internal/eligibility"
)

// A flag that carries a due date (R13, R24, R27, …) is also a deadline in
// the UI (the case page, the case list's next deadline, the deadline
// board), the calendar feed and the work list (docs/casework.md); the
// API's case `deadlines` and board keep the NRM deadlines of its contract
// (Case.AllDeadlines, Service.AllDeadlines). Its
// kind is "flag" and Rule names the rule; in table case_deadlines, whose
// key is (case_id, kind), it is stored under the rule id as its kind.

// withFlagDeadlines appends to ds one deadline per flag with a due date,
// in due-date then rule order; a flag due on the day of one of the NRM
// deadlines in ds (the rule that warns of that deadline) adds nothing.
func withFlagDeadlines(ds []eligibility.Deadline, flags []eligibility.Flag, asOf Date, set eligibility.Settings) []eligibility.Deadline {
	var extra []eligibility.Deadline
	for _, f := range flags {
		if f.DueOn == nil || f.DueOn.IsZero() || dueThatDay(ds, *f.DueOn) {
			continue
		}
		left := asOf.DaysUntil(*f.DueOn)
		extra = append(extra, eligibility.Deadline{Kind: eligibility.DeadlineFlag, Rule: f.Rule, DueOn: *f.DueOn,
			DaysLeft: left, Severity: set.SeverityFor(left)})
	}
	sort.Slice(extra, func(i, j int) bool {
		if extra[i].DueOn != extra[j].DueOn {
			return extra[i].DueOn.Before(extra[j].DueOn)
		}
		return extra[i].Rule < extra[j].Rule
	})
	return append(ds, extra...)
}

// AllDeadlines returns the case's NRM deadlines followed by the due dates
// its flags carry: what the UI and the work list show. The API's
// `deadlines` keeps the NRM deadlines only, as its contract says.
func (c Case) AllDeadlines() []eligibility.Deadline {
	out := make([]eligibility.Deadline, 0, len(c.Deadlines)+len(c.FlagDeadlines))
	return append(append(out, c.Deadlines...), c.FlagDeadlines...)
}

// storedKind is the kind column of a deadline in case_deadlines.
func storedKind(d eligibility.Deadline) string {
	if d.Kind == eligibility.DeadlineFlag {
		return d.Rule
	}
	return d.Kind
}

// fromStored turns a stored flag deadline (kind = a rule id) back into
// kind "flag" with its rule.
func (d DeadlineItem) fromStored() DeadlineItem {
	if storedRuleKind.MatchString(d.Kind) {
		d.Rule, d.Kind = d.Kind, eligibility.DeadlineFlag
	}
	return d
}

// storedRuleKind matches any rule id (the catalogue grows), never one of
// the NRM deadline kinds.
var storedRuleKind = regexp.MustCompile(`^R[0-9]{2,3}$`)

func dueThatDay(ds []eligibility.Deadline, d Date) bool {
	for _, x := range ds {
		if x.DueOn == d {
			return true
		}
	}
	return false
}

// StoredDeadlines lists the rows of case_deadlines of a case, as the
// service stores them: kind (a rule id for a flag's due date) and due
// date, without the 18th birthday (computed when read). For the bulk
// seeder, which writes the rows itself.
func StoredDeadlines(snap eligibility.Snapshot, flags []eligibility.Flag, asOf Date, set eligibility.Settings) [][2]string {
	var out [][2]string
	for _, d := range withFlagDeadlines(eligibility.Deadlines(snap, asOf, set), flags, asOf, set) {
		if d.Kind != eligibility.DeadlineMajority {
			out = append(out, [2]string{storedKind(d), d.DueOn.String()})
		}
	}
	return out
}
