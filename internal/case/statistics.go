package cases

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// StatCase is a case's non-identifying statistical attributes: what
// national statistics may read. They are kept after erasure, so a report
// computed from them and the audit chain does not change when a victim's
// identity is erased.
type StatCase struct {
	ID                 string
	Shelter            string
	ShelterOfficial    bool
	IdentifiedOn       Date
	Gender             string
	Nationality        string
	UnaccompaniedMinor bool
	AgeBand            string // age band at identification (0-13, 14-17, 18-24, …, unknown)
	CTDCAgeBand        string // the same in the CTDC dataset's bands (CTDCAgeBands)
	Exploitation       []string
	Demo               bool
}

// Majority returns adult, minor or unknown: the victim's majority at
// identification. Without a date of birth, a case marked unaccompanied
// minor counts as a minor (docs/model.md "Victim facts").
func (c StatCase) Majority() string {
	switch {
	case c.AgeBand == "unknown" && c.UnaccompaniedMinor:
		return "minor"
	case c.AgeBand == "unknown" || c.AgeBand == "":
		return "unknown"
	case isMinorBand(c.AgeBand):
		return "minor"
	default:
		return "adult"
	}
}

func isMinorBand(b string) bool {
	for _, m := range minorBands {
		if b == m {
			return true
		}
	}
	return false
}

// statRow is the part of a stored case that StatCases reads.
type statRow struct {
	ID                 string
	ShelterID          string
	ShelterOfficial    bool
	IdentifiedOn       string
	Gender             string
	Nationality        string
	UnaccompaniedMinor bool
	AgeBand            string
	CTDCAgeBand        string
	Exploitation       string
	Demo               bool
}

// StatCases returns the statistical attributes of the given cases that the
// actor may count, by id: a supervisor's own shelter, every shelter for an
// auditor or the system. Unknown ids and other shelters' cases are left
// out. No identity field is read.
func (s *Service) StatCases(ctx context.Context, a auth.Actor, ids []string) (map[string]StatCase, error) {
	if !a.Is(auth.RoleSupervisor, auth.RoleAuditor, auth.RoleSystem) {
		return nil, apperr.Forbiddenf("only supervisors and auditors read statistics")
	}
	out := make(map[string]StatCase, len(ids))
	for start := 0; start < len(ids); start += 500 {
		end := min(start+500, len(ids))
		q := s.db.Read.WithContext(ctx).Table("cases").
			Select("cases.id, cases.shelter_id, shelters.official_nrm AS shelter_official, cases.identified_on, "+
				"cases.gender, cases.nationality, cases.unaccompanied_minor, cases.age_band, cases.ctdc_age_band, "+
				"cases.exploitation, cases.demo").
			Joins("JOIN shelters ON shelters.id = cases.shelter_id").
			Where("cases.id IN ?", ids[start:end])
		if a.Role == auth.RoleSupervisor {
			q = q.Where("cases.shelter_id = ?", a.Shelter)
		}
		var rows []statRow
		if err := q.Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("cases: statistical attributes: %w", err)
		}
		for _, r := range rows {
			on, err := eligibility.ParseDate(r.IdentifiedOn)
			if err != nil {
				return nil, fmt.Errorf("cases: stored identified_on of %s: %w", r.ID, err)
			}
			out[r.ID] = StatCase{
				ID: r.ID, Shelter: r.ShelterID, ShelterOfficial: r.ShelterOfficial, IdentifiedOn: on,
				Gender: r.Gender, Nationality: r.Nationality, UnaccompaniedMinor: r.UnaccompaniedMinor,
				AgeBand: r.AgeBand, CTDCAgeBand: r.CTDCAgeBand,
				Exploitation: (&row{Exploitation: r.Exploitation}).exploitation(), Demo: r.Demo,
			}
		}
	}
	return out, nil
}

// Replay rebuilds a case's two tracks and facts from its recorded events,
// as they stood on each date, for statistics. It starts from the state a
// case is opened in and knows only the statistical attributes: the date of
// birth is not used (it is identity data, and erased with it), so the
// rules see the victim as the rules see a case without one — a minor only
// when marked unaccompanied minor.
type Replay struct {
	n   nrmCase
	set eligibility.Settings
}

// NewReplay starts the replay of a case as it was opened.
func NewReplay(c StatCase, set eligibility.Settings) *Replay {
	return &Replay{set: set, n: nrmCase{
		State: eligibility.StateIdentified, Proceedings: eligibility.ProceedingsNone,
		Facts: newFacts(c.IdentifiedOn), IdentifiedOn: c.IdentifiedOn, LastEventOn: c.IdentifiedOn,
		Nationality: c.Nationality, Gender: c.Gender, UnaccompaniedMinor: c.UnaccompaniedMinor,
		Exploitation: c.Exploitation, Shelter: c.Shelter, ShelterOfficial: c.ShelterOfficial,
	}}
}

// Apply replays one recorded event: event is the audit record's event,
// data its data object (canonical JSON text), toState and toProceedings
// the states the record says the case reached. Records that are not NRM
// events (open_case, update_case, erase_case) change nothing; a
// void_event takes the states it recomputed (the caller leaves out the
// events it voided: VoidedSeqs).
//
// The chain is the truth: the recorded transition is taken as it is, not
// decided again by the state machine's guards, which read attributes that
// PATCH may have corrected since (the nationality while identified, the
// unaccompanied-minor mark after an age assessment); only the facts and
// expiry dates are derived again, as when the event was recorded.
func (r *Replay) Apply(event string, on Date, data, toState, toProceedings string) error {
	def, ok := lookup(EventType(event))
	if !ok && event != VoidEventType {
		return nil
	}
	if !slices.Contains(eligibility.States(), State(toState)) || !slices.Contains(eligibility.AllProceedings(), Proceedings(toProceedings)) {
		return fmt.Errorf("cases: replay %s on %s: recorded states %q / %q are unknown", event, on, toState, toProceedings)
	}
	m := map[string]any{}
	if data != "" {
		if err := json.Unmarshal([]byte(data), &m); err != nil {
			return fmt.Errorf("cases: replay %s: data: %w", event, err)
		}
	}
	before := r.n.State
	r.n.State, r.n.Proceedings = State(toState), Proceedings(toProceedings)
	if r.n.State != before {
		r.n.Facts.StateSince = on
	}
	if def == nil {
		return nil // a void: the states it recomputed, the voided event skipped by the caller
	}
	if def.effect != nil {
		def.effect(&effect{n: &r.n, f: &r.n.Facts, t: def.typ, before: before, on: on, data: m, set: r.set})
	}
	r.n.LastEventOn = on
	return nil
}

// State returns the replayed state.
func (r *Replay) State() State { return r.n.State }

// Proceedings returns the replayed proceedings.
func (r *Replay) Proceedings() Proceedings { return r.n.Proceedings }

// Snapshot returns the rules' input for the replayed case.
func (r *Replay) Snapshot() eligibility.Snapshot { return r.n.snapshot() }

// BackfillStatistics computes the CTDC age band of cases stored before it
// existed (schema version 7): from the date of birth where the identity is
// still there, otherwise from the stored age band where it determines the
// CTDC band (14-17 is 9-17, 50+ is 48+), else unknown. It returns how many
// cases it filled in; none after the first run.
func (s *Service) BackfillStatistics(ctx context.Context) (int, error) {
	n, after := 0, ""
	for {
		// From the last id read (cases_ctdc_pending holds them in id
		// order): a case left unset is not read again in this run.
		var rows []row
		if err := s.db.Read.WithContext(ctx).
			Select("id, identified_on, age_band, data_key, given_name_enc, family_name_enc, alias_enc, date_of_birth_enc").
			Where("ctdc_age_band = '' AND id > ?", after).
			Order("id").Limit(backfillBatch).Find(&rows).Error; err != nil {
			return n, fmt.Errorf("cases: statistics backfill: %w", err)
		}
		if len(rows) == 0 {
			return n, nil
		}
		after = rows[len(rows)-1].ID
		ids, bands := make([]string, len(rows)), make([]string, len(rows))
		err := parallel(len(rows), func(i int) error {
			r := &rows[i]
			ids[i], bands[i] = r.ID, "unknown"
			if r.DataKey != nil {
				id, _, err := r.open(s.keys)
				if err != nil {
					return err
				}
				on, err := eligibility.ParseDate(r.IdentifiedOn)
				if err != nil {
					return fmt.Errorf("stored identified_on of %s: %w", r.ID, err)
				}
				bands[i] = ctdcAgeBand(id.DateOfBirth, on)
			} else if b, ok := ctdcFromAgeBand[r.AgeBand]; ok {
				bands[i] = b
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("cases: statistics backfill: %w", err)
		}
		done := 0
		err = s.db.Tx(ctx, func(tx *gorm.DB) error {
			// Only if still unset: a PATCH of the date of birth on
			// another server may have set it meanwhile.
			var err error
			done, err = setWhereEmpty(tx, "ctdc_age_band", ids, bands)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("cases: statistics backfill: %w", err)
		}
		n += done
	}
}

// WithdrawReasons returns the reasons of withdraw_status, in the order of docs/model.md "Events".
func WithdrawReasons() []string { return append([]string(nil), withdrawReasons...) }

// ctdcFromAgeBand maps the age bands that determine a CTDC band.
var ctdcFromAgeBand = map[string]string{"14-17": "9-17", "50+": "48+", "unknown": "unknown"}
