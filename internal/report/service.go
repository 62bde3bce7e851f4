package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/store"
)

// Defaults of Options.
const (
	DefaultThreshold = 5
	DefaultK         = CTDCDefaultK
	// FirstYear is the earliest year a report may be asked for.
	FirstYear = 2000
	// MaxK is the largest k an anonymized export accepts.
	MaxK = 1000
)

// Options are the reports' settings (config "reports").
type Options struct {
	// SmallCellThreshold: counts below it are hidden in reports that leave
	// the shelter. 0 means DefaultThreshold.
	SmallCellThreshold int
	// K is the default k of the anonymized export. 0 means DefaultK.
	K int
}

// Service computes the annual report and the anonymized export from the
// audit chain and the cases' statistical attributes.
type Service struct {
	db    *store.DB
	cases *cases.Service
	set   eligibility.Settings
	now   func() time.Time
	opt   Options
}

// NewService returns a Service; now is the injected clock.
func NewService(db *store.DB, cs *cases.Service, set eligibility.Settings, now func() time.Time, opt Options) *Service {
	if opt.SmallCellThreshold <= 0 {
		opt.SmallCellThreshold = DefaultThreshold
	}
	if opt.K <= 0 {
		opt.K = DefaultK
	}
	return &Service{db: db, cases: cs, set: set, now: now, opt: opt}
}

// Threshold returns the small-cell threshold in force.
func (s *Service) Threshold() int { return s.opt.SmallCellThreshold }

// AnnualQuery selects an annual report.
type AnnualQuery struct {
	// Year is the calendar year reported on.
	Year int
	// Shelter restricts an auditor's report to one shelter ("" for all);
	// a supervisor's report is always their own shelter's.
	Shelter string
	// Cutoff is the last audit seq read; 0 means the chain's head now.
	Cutoff int64
	// AsOf is the last day the rules are evaluated and events counted;
	// zero means today. It is capped at the year's last day.
	AsOf Date
	// Protect applies small-cell protection: the report leaves the shelter.
	Protect bool
}

// Annual computes the annual report. Supervisors get their shelter's,
// auditors (and the system, for the CLI) any shelter's or all shelters'.
func (s *Service) Annual(ctx context.Context, a auth.Actor, q AnnualQuery) (Annual, error) {
	shelter, err := s.shelterScope(ctx, a, q.Shelter)
	if err != nil {
		return Annual{}, err
	}
	t, cut, err := s.tally(ctx, a, q.Year, shelter, q.Cutoff, q.AsOf, false, nil)
	if err != nil {
		return Annual{}, err
	}
	out := t.annual()
	out.Shelter = shelter
	out.Cutoff = cut
	out.GeneratedAt = audit.FormatTime(s.now())
	if q.Protect {
		Protect(&out, s.opt.SmallCellThreshold)
	} else {
		out.Protection = Protection{Applied: false, Threshold: s.opt.SmallCellThreshold}
	}
	return out, nil
}

// AnonymizedQuery selects an anonymized export.
type AnonymizedQuery struct {
	Year   int   // year of registration (identification)
	K      int   // 0 means the default k
	Cutoff int64 // last audit seq read; 0 means the head now
	AsOf   Date  // zero means today, capped at the year's last day
}

// Anonymized computes the k-anonymous record-level export of the victims
// identified in a year (auditors and the system only).
func (s *Service) Anonymized(ctx context.Context, a auth.Actor, q AnonymizedQuery) (AnonymizedMeta, [][]string, Cutoff, error) {
	if _, err := s.scope(a, "", auth.RoleAuditor, auth.RoleSystem); err != nil {
		return AnonymizedMeta{}, nil, Cutoff{}, err
	}
	k := q.K
	if k == 0 {
		k = s.opt.K
	}
	if msg := s.CheckK(k); msg != "" {
		return AnonymizedMeta{}, nil, Cutoff{}, apperr.Field("k", "%s", msg)
	}
	t, cut, err := s.tally(ctx, a, q.Year, "", q.Cutoff, q.AsOf, true, nil)
	if err != nil {
		return AnonymizedMeta{}, nil, Cutoff{}, err
	}
	an := AnonymizeDetailed(t.people, k)
	meta := AnonymizedMeta{K: k, Rows: len(an.Rows), Suppressed: an.Dropped, RulesVersion: eligibility.Version,
		Year: q.Year, Columns: append([]string(nil), CTDCColumns...), AuditSeq: cut.Seq, AsOf: cut.AsOf,
		RowsDropped: an.Dropped, SuppressedValues: an.Suppressed, GeneralisedValues: an.Generalised,
		QuasiIdentifiers: append([]string(nil), QuasiIdentifiers...)}
	return meta, an.Rows, cut, nil
}

// CheckK returns what is wrong with a k asked for ("" when it is valid):
// the one rule of k for the API, the CLI and the service.
func (s *Service) CheckK(k int) string {
	if k < 2 || k > MaxK {
		return fmt.Sprintf("k must be an integer from 2 to %d (default %d)", MaxK, s.opt.K)
	}
	return ""
}

// RecordExport appends the record of an export to the audit chain: what
// was exported (event, e.g. export_annual_report), its parameters and the
// SHA-256 digest of the exported bytes. The export must not be sent when
// this fails.
func (s *Service) RecordExport(ctx context.Context, a auth.Actor, event, shelter string, params map[string]any, content []byte) error {
	sum := sha256.Sum256(content)
	data := map[string]any{"sha256": hex.EncodeToString(sum[:]), "bytes": len(content)}
	for k, v := range params {
		data[k] = v
	}
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		_, err := audit.AppendAct(tx, s.now().UTC(), a.Username, string(a.Role), event, shelter, eligibility.Version, data)
		return err
	})
	if err != nil {
		return fmt.Errorf("report: record %s: %w", event, err)
	}
	return nil
}

// shelterScope returns the shelter a supervisor's or auditor's report
// covers: a supervisor's own, or the auditor's choice ("" for all), which
// must exist.
func (s *Service) shelterScope(ctx context.Context, a auth.Actor, shelter string) (string, error) {
	shelter, err := s.scope(a, shelter, auth.RoleSupervisor, auth.RoleAuditor, auth.RoleSystem)
	if err != nil {
		return "", err
	}
	if shelter != "" && a.Role != auth.RoleSupervisor {
		var n int64
		if err := s.db.Read.WithContext(ctx).Table("shelters").Where("id = ?", shelter).Count(&n).Error; err != nil {
			return "", fmt.Errorf("report: shelter: %w", err)
		}
		if n == 0 {
			return "", apperr.Field("shelter", "no shelter %q", shelter)
		}
	}
	return shelter, nil
}

// scope checks the actor's role and returns the shelter the report covers.
func (s *Service) scope(a auth.Actor, shelter string, roles ...auth.Role) (string, error) {
	if !a.Is(roles...) {
		return "", apperr.Forbiddenf("role %s may not read this report", a.Role)
	}
	if a.Role == auth.RoleSupervisor {
		return a.Shelter, nil
	}
	return shelter, nil
}

// tally reads the chain up to the cut-off and counts the year.
func (s *Service) tally(ctx context.Context, a auth.Actor, year int, shelter string, cutoff int64, asOf Date, anonymized bool,
	policy *eligibility.PolicyChange) (*tally, Cutoff, error) {
	today := eligibility.Today(s.now())
	if year < FirstYear || year > today.Year {
		return nil, Cutoff{}, apperr.Field("year", "year must be a year from %d to %d", FirstYear, today.Year)
	}
	last := eligibility.NewDate(year, 12, 31)
	if asOf.IsZero() {
		asOf = today
	}
	if asOf.After(today) {
		return nil, Cutoff{}, apperr.Field("as_of", "as_of may not be after today (%s)", today)
	}
	if asOf.Year < year {
		return nil, Cutoff{}, apperr.Field("as_of", "as_of must be in or after the year reported on (%d)", year)
	}
	if asOf.After(last) {
		asOf = last
	}
	read := s.db.Read.WithContext(ctx)
	head, headHash, err := audit.Head(read)
	if err != nil {
		return nil, Cutoff{}, fmt.Errorf("report: %w", err)
	}
	if cutoff < 0 || cutoff > head {
		return nil, Cutoff{}, apperr.Field("cutoff", "cutoff must be an audit seq from 1 to %d (the chain's head)", head)
	}
	if cutoff == 0 {
		cutoff = head
	}
	cut := Cutoff{Seq: cutoff, Hash: headHash, AsOf: asOf.String()}
	if cutoff > 0 {
		rec, ok, err := audit.RecordAt(read, cutoff)
		if err != nil {
			return nil, Cutoff{}, fmt.Errorf("report: %w", err)
		}
		if !ok {
			return nil, Cutoff{}, fmt.Errorf("report: audit record %d is missing", cutoff)
		}
		cut.Hash, cut.RecordedAt = rec.Hash, rec.RecordedAt
	}
	t := newTally(year, asOf, s.set)
	t.anonymized, t.policy = anonymized, policy
	trs, err := s.transfersIn(ctx, read, cutoff, asOf)
	if err != nil {
		return nil, Cutoff{}, err
	}
	t.setTransfers(shelter, trs)
	if !anonymized && policy == nil {
		if t.caseServices, err = servicesIn(ctx, read, cutoff, shelter); err != nil {
			return nil, Cutoff{}, err
		}
	}
	// Records arrive grouped by case; cases are looked up 500 at a time.
	type pending struct {
		id   string
		recs []audit.Record
	}
	var batch []pending
	// The replay is CPU-bound: each batch is shared among one worker per
	// CPU, each counting into its own tally, merged at the end.
	parts := make([]*tally, runtime.GOMAXPROCS(0))
	for i := range parts {
		parts[i] = t.part()
	}
	flush := func() error {
		ids := make([]string, len(batch))
		for i, p := range batch {
			ids[i] = p.id
		}
		// The records are chosen by the report's scope (the shelter each
		// was recorded in), which role checks already limit: the
		// statistical attributes are read whatever shelter the case is in
		// now, so that a transfer after the cut-off changes no figure.
		stats, err := s.cases.StatCases(ctx, auth.System, ids)
		if err != nil {
			return err
		}
		errs := make([]error, len(parts))
		var wg sync.WaitGroup
		for w := range parts {
			wg.Go(func() {
				for i := w; i < len(batch); i += len(parts) {
					c, ok := stats[batch[i].id]
					if !ok || c.Demo {
						continue // gone from the cases table, or demo data
					}
					if err := parts[w].addCase(c, batch[i].recs); err != nil {
						errs[w] = err
						return
					}
				}
			})
		}
		wg.Wait()
		batch = batch[:0]
		return errors.Join(errs...)
	}
	err = audit.EachCaseRecord(ctx, read, audit.CaseRecords{MaxSeq: cutoff, Shelter: shelter, OccurredTo: asOf.String()},
		func(r audit.Record) error {
			if n := len(batch); n == 0 || batch[n-1].id != r.CaseID {
				if n >= 500 {
					if err := flush(); err != nil {
						return err
					}
				}
				batch = append(batch, pending{id: r.CaseID})
			}
			p := &batch[len(batch)-1]
			p.recs = append(p.recs, r)
			if shelter == "" {
				t.shelters[r.Shelter] = true
			}
			return nil
		})
	if err != nil {
		return nil, Cutoff{}, fmt.Errorf("report: %w", err)
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return nil, Cutoff{}, fmt.Errorf("report: %w", err)
		}
	}
	for _, p := range parts {
		t.merge(p)
	}
	return t, cut, nil
}
