package report

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// The outcomes of a policy what-if, in order: what is at critical risk.
var policyOutcomes = []struct {
	key  string
	mask eligibility.Loss
}{
	{"residence", eligibility.LossResidence},
	{"services", eligibility.LossServices},
	{"residence_or_services", eligibility.LossResidence | eligibility.LossServices},
}

// The cells of a policy outcome's victims breakdown, a partition of the
// victims at risk under either rules.
var policyCells = []string{"kept", "still_at_risk", "newly_at_risk"}

// policyTally counts a policy what-if: per outcome, the victims in each
// policyCells category, those with fewer days at risk, and days.
type policyTally struct {
	replayed                    int
	victims                     [3][3]int // outcome × policyCells
	fewer                       [3]int
	daysNow, daysAlt, daysSaved [3]int
}

func (p *policyTally) merge(o *policyTally) {
	p.replayed += o.replayed
	for i := range p.victims {
		for j := range p.victims[i] {
			p.victims[i][j] += o.victims[i][j]
		}
		p.fewer[i] += o.fewer[i]
		p.daysNow[i] += o.daysNow[i]
		p.daysAlt[i] += o.daysAlt[i]
		p.daysSaved[i] += o.daysSaved[i]
	}
}

// addPolicy replays one case twice, under the current settings and under
// the changed ones, taking the recorded transitions in both (the chain is
// the truth: the change removes the losses the removed condition caused,
// it does not invent another path), and compares the days each puts
// residence or services at critical risk (eligibility.Losses), from 1
// January (or identification) to end (the as-of date, or the day before
// the case left the shelter reported on), until the case closes.
func (t *tally) addPolicy(c cases.StatCase, evs []event, end Date) {
	altSet := t.policy.Apply(t.set)
	cur, alt := cases.NewReplay(c, t.set), cases.NewReplay(c, altSet)
	i, reason := 0, ""
	apply := func(d Date) (bool, error) {
		n := i
		for ; i < len(evs) && !evs[i].on.After(d); i++ {
			e := &evs[i]
			if err := cur.Apply(e.rec.Event, e.on, e.rec.Data, e.rec.ToState, e.rec.ToProceedings); err != nil {
				return false, err
			}
			if err := alt.Apply(e.rec.Event, e.on, e.rec.Data, e.rec.ToState, e.rec.ToProceedings); err != nil {
				return false, err
			}
			if e.rec.Event == string(cases.WithdrawStatus) {
				r, err := dataString(e.rec, "reason")
				if err != nil {
					return false, err
				}
				reason = r
			}
		}
		return i > n, nil
	}
	start := t.first
	if c.IdentifiedOn.After(start) {
		start = c.IdentifiedOn
	}
	var now, changed, saved [3]int
	days := 0
	var sNow, sAlt eligibility.Snapshot
	for d := start; !d.After(end); d = d.AddDays(1) {
		moved, err := apply(d)
		if err != nil {
			t.replayFailing++
			return
		}
		if cur.State() == eligibility.StateClosed {
			break
		}
		if moved || d == start {
			sNow, sAlt = cur.Snapshot(), alt.Snapshot()
		}
		days++
		ln := eligibility.Losses(sNow, d, t.set, nil, reason)
		la := eligibility.Losses(sAlt, d, altSet, t.policy, reason)
		for k, o := range policyOutcomes {
			n, a := ln&o.mask != 0, la&o.mask != 0
			if n {
				now[k]++
			}
			if a {
				changed[k]++
			}
			if n && !a {
				saved[k]++
			}
		}
	}
	if days == 0 {
		return
	}
	p := &t.pol
	p.replayed++
	for k := range policyOutcomes {
		switch {
		case now[k] > 0 && changed[k] == 0:
			p.victims[k][0]++
		case now[k] > 0:
			p.victims[k][1]++
		case changed[k] > 0:
			p.victims[k][2]++
		}
		if saved[k] > 0 {
			p.fewer[k]++
		}
		p.daysNow[k] += now[k]
		p.daysAlt[k] += changed[k]
		p.daysSaved[k] += saved[k]
	}
}

// PolicyChangeInfo names the change of a policy what-if.
type PolicyChangeInfo struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// PolicyOutcome compares, for one thing at risk (residence, services, or
// either), the victims and days at critical risk under the current rules
// and under the changed ones.
type PolicyOutcome struct {
	AtRisk string `json:"at_risk"` // residence, services, residence_or_services
	// Victims is the partition of the victims at critical risk on some day
	// under either rules: kept (at risk now, never under the change: they
	// would have kept it), still_at_risk (under both), newly_at_risk (only
	// under the change). Its total is the victims at risk under either.
	Victims Margin `json:"victims"`
	// VictimsFewerDays counts the victims with at least one day at risk
	// now that the change spares (kept ones and some still at risk).
	VictimsFewerDays Count `json:"victims_fewer_days"`
	// DaysAtRisk and DaysAtRiskChanged sum the victims' days at risk under
	// the current and the changed rules; DaysKept the days at risk now
	// and not under the change ("for how many more days").
	DaysAtRisk        Count `json:"days_at_risk"`
	DaysAtRiskChanged Count `json:"days_at_risk_changed"`
	DaysKept          Count `json:"days_kept"`
}

// Policy is a caseload what-if: the cases of a year replayed under the
// current rules and under one change of them (eligibility.PolicyChanges).
type Policy struct {
	Year         int              `json:"year"`
	Shelter      string           `json:"shelter"` // "" for all shelters
	Change       PolicyChangeInfo `json:"change"`
	RulesVersion string           `json:"rules_version"`
	Cutoff       Cutoff           `json:"data_cutoff"`
	GeneratedAt  string           `json:"generated_at"`
	Protection   Protection       `json:"small_cell_protection"`
	// VictimsReplayed counts the victims whose case was open on at least
	// one day of the year up to the as-of date.
	VictimsReplayed Count           `json:"victims_replayed"`
	Outcomes        []PolicyOutcome `json:"outcomes"`
	ReplayFailures  int             `json:"replay_failures"`
}

// policy turns the tally into the what-if's exact figures.
func (t *tally) policyReport() Policy {
	p := &t.pol
	out := Policy{Year: t.year, RulesVersion: eligibility.Version, VictimsReplayed: Count{N: p.replayed},
		Change: PolicyChangeInfo{ID: t.policy.ID, Title: t.policy.Title}, ReplayFailures: t.replayFailing}
	for k, o := range policyOutcomes {
		m := Margin{}
		for j, key := range policyCells {
			m.Cells = append(m.Cells, Cell{Key: key, Count: Count{N: p.victims[k][j]}})
			m.Total.N += p.victims[k][j]
		}
		out.Outcomes = append(out.Outcomes, PolicyOutcome{AtRisk: o.key, Victims: m,
			VictimsFewerDays: Count{N: p.fewer[k]}, DaysAtRisk: Count{N: p.daysNow[k]},
			DaysAtRiskChanged: Count{N: p.daysAlt[k]}, DaysKept: Count{N: p.daysSaved[k]}})
	}
	return out
}

// ProtectPolicy applies the annual report's small-cell protection to a
// what-if: primary suppression of every count of victims, complementary
// suppression and adjusted totals in each victims breakdown (a
// partition), and a sum of days hidden ("x") when the victims it sums over
// are fewer than the threshold — days at risk over the victims at risk
// now (kept + still at risk), days under the change over still and newly
// at risk, days kept over the victims with fewer days — as the awarded
// amount is hidden with few awards: it could describe one victim's case.
// The decision on days reads true counts, so an "x" tells only that.
func ProtectPolicy(p *Policy, threshold int) {
	if p.Protection.Applied {
		return
	}
	threshold = normThreshold(threshold)
	ProtectCount(&p.VictimsReplayed, threshold)
	for i := range p.Outcomes {
		o := &p.Outcomes[i]
		v := o.Victims.Cells
		hide := func(c *Count, over int) {
			if over < threshold {
				*c = Count{Hidden: HiddenComplement}
			}
		}
		hide(&o.DaysAtRisk, v[0].Count.N+v[1].Count.N)
		hide(&o.DaysAtRiskChanged, v[1].Count.N+v[2].Count.N)
		hide(&o.DaysKept, o.VictimsFewerDays.N)
		ProtectCount(&o.VictimsFewerDays, threshold)
		ProtectMargin(&o.Victims, threshold)
	}
	p.Protection = Protection{Applied: true, Threshold: threshold}
}

// PolicyQuery selects a policy what-if.
type PolicyQuery struct {
	Year    int
	Shelter string // auditors: one shelter, or "" for all
	Change  string // an id of eligibility.PolicyChanges
	Cutoff  int64
	AsOf    Date
	Protect bool
}

// CheckChange returns the change of that id, or a field error on change.
func CheckChange(id string) (eligibility.PolicyChange, error) {
	ch, ok := eligibility.PolicyChangeByID(id)
	if !ok {
		return ch, apperr.FieldCode("change", apperr.CodeUnknownValue, "want one of %s", strings.Join(eligibility.PolicyChangeIDs(), ", "))
	}
	return ch, nil
}

// Policy computes a caseload what-if. Supervisors get their shelter's,
// auditors (and the system) any shelter's or all shelters'.
func (s *Service) Policy(ctx context.Context, a auth.Actor, q PolicyQuery) (Policy, error) {
	shelter, err := s.shelterScope(ctx, a, q.Shelter)
	if err != nil {
		return Policy{}, err
	}
	ch, err := CheckChange(q.Change)
	if err != nil {
		return Policy{}, err
	}
	t, cut, err := s.tally(ctx, a, q.Year, shelter, q.Cutoff, q.AsOf, false, &ch)
	if err != nil {
		return Policy{}, err
	}
	out := t.policyReport()
	out.Shelter, out.Cutoff, out.GeneratedAt = shelter, cut, audit.FormatTime(s.now())
	if q.Protect {
		ProtectPolicy(&out, s.opt.SmallCellThreshold)
	} else {
		out.Protection = Protection{Threshold: s.opt.SmallCellThreshold}
	}
	return out, nil
}

// PolicyFormats are the formats of the policy what-if.
var PolicyFormats = []string{"json", "csv", "csv-be"}

// ExportPolicy computes a what-if, protects it when it leaves the shelter
// (Leaves), renders it and records it in the audit chain
// (export_policy_report) before returning it.
func (s *Service) ExportPolicy(ctx context.Context, a auth.Actor, q PolicyQuery, format string) (Export, error) {
	if format == "" {
		format = "json"
	}
	if err := checkFormat(format, PolicyFormats); err != nil {
		return Export{}, err
	}
	q.Protect = Leaves(a, format, q.Protect)
	rep, err := s.Policy(ctx, a, q)
	if err != nil {
		return Export{}, err
	}
	var buf bytes.Buffer
	if err := writeReport(&buf, format, rep, policyLines(rep)); err != nil {
		return Export{}, fmt.Errorf("report: render policy report as %s: %w", format, err)
	}
	if err := s.RecordPolicyExport(ctx, a, rep, format, buf.Bytes()); err != nil {
		return Export{}, err
	}
	ext := strings.TrimSuffix(format, "-be")
	return Export{
		Body: buf.Bytes(), ContentType: contentTypes[format], Policy: &rep, Cutoff: rep.Cutoff,
		Filename: fmt.Sprintf("casemgr-policy-%d-%s-%s.%s", rep.Year, rep.Change.ID, scopeName(rep.Shelter), ext),
	}, nil
}

// RecordPolicyExport appends the export_policy_report record of a what-if
// sent as format (a file, or "html" for the web page that shows it): its
// parameters and the digest of content. API, CLI and UI record the same
// parameters through it; nothing may be sent when it fails.
func (s *Service) RecordPolicyExport(ctx context.Context, a auth.Actor, rep Policy, format string, content []byte) error {
	params := map[string]any{
		"year": rep.Year, "shelter": scopeName(rep.Shelter), "change": rep.Change.ID, "format": format, "cutoff_seq": rep.Cutoff.Seq,
		"as_of": rep.Cutoff.AsOf, "small_cell_protection": rep.Protection.Applied, "threshold": rep.Protection.Threshold,
	}
	return s.RecordExport(ctx, a, "export_policy_report", rep.Shelter, params, content)
}

// policyLines are the what-if's figures as section, key, value lines.
func policyLines(p Policy) [][3]string {
	lines := [][3]string{
		{"meta", "year", fmt.Sprint(p.Year)}, {"meta", "shelter", scopeName(p.Shelter)},
		{"meta", "change", p.Change.ID}, {"meta", "change_title", p.Change.Title},
		{"meta", "rules_version", p.RulesVersion}, {"meta", "audit_seq", fmt.Sprint(p.Cutoff.Seq)},
		{"meta", "audit_hash", p.Cutoff.Hash}, {"meta", "as_of", p.Cutoff.AsOf}, {"meta", "generated_at", p.GeneratedAt},
		{"meta", "small_cell_protection", fmt.Sprint(p.Protection.Applied)}, {"meta", "threshold", fmt.Sprint(p.Protection.Threshold)},
		{"victims", "replayed", p.VictimsReplayed.Shown()}, {"victims", "replay_failures", fmt.Sprint(p.ReplayFailures)},
	}
	for _, o := range p.Outcomes {
		sec := "outcome." + o.AtRisk
		for _, c := range o.Victims.Cells {
			lines = append(lines, [3]string{sec, c.Key, c.Count.Shown()})
		}
		lines = append(lines,
			[3]string{sec, "total", o.Victims.Total.Shown()},
			[3]string{sec, "total_adjusted", fmt.Sprint(o.Victims.TotalAdjusted)},
			[3]string{sec, "victims_fewer_days", o.VictimsFewerDays.Shown()},
			[3]string{sec, "days_at_risk", o.DaysAtRisk.Shown()},
			[3]string{sec, "days_at_risk_changed", o.DaysAtRiskChanged.Shown()},
			[3]string{sec, "days_kept", o.DaysKept.Shown()})
	}
	return slices.Clip(lines)
}
