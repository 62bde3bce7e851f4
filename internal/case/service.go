package cases

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/vault"
)

// Service is the case store and the only way a case changes.
type Service struct {
	db       *store.DB
	keys     *vault.Keys
	settings eligibility.Settings
	now      func() time.Time
	access   AccessRecorder
	// viewCache keeps the last view built of each case (viewcache.go).
	viewsOnce sync.Once
	viewCache *viewCache
	// reads are the hottest reads' prepared statements (readstmts.go).
	reads readStmts
	// birthdays keeps decrypted 18th birthdays by case version (majority.go).
	birthdays birthdayCache
}

// NewService returns a Service; now is the injected clock.
func NewService(db *store.DB, keys *vault.Keys, settings eligibility.Settings, now func() time.Time) *Service {
	return &Service{db: db, keys: keys, settings: settings, now: now}
}

// AccessRecorder records reads of case files in the read-access log: actor
// did action (one of the Access* constants) on case caseID of shelter. It
// must return quickly and copies no identity field.
type AccessRecorder interface {
	Record(ctx context.Context, actor auth.Actor, caseID, shelter, action string)
	// RecordMany records one request's reading of several cases (a list
	// page) as one entry of the log.
	RecordMany(ctx context.Context, actor auth.Actor, caseIDs []string, shelter, action string)
}

// The actions of the read-access log, one per way of reading a case file.
const (
	AccessGet      = "get"      // GET /cases/{id}
	AccessEvents   = "events"   // GET /cases/{id}/events
	AccessFlags    = "flags"    // GET /cases/{id}/flags
	AccessSimulate = "simulate" // POST /cases/{id}/simulate
	AccessList     = "list"     // the cases of a page of GET /cases, one row
)

// SetAccessRecorder makes every successful read of a case file (Get,
// History, Flags, Simulate, and each case List returns) be recorded by r;
// nil records nothing. Call it before the Service is used.
func (s *Service) SetAccessRecorder(r AccessRecorder) { s.access = r }

func (s *Service) recordAccess(ctx context.Context, a auth.Actor, caseID, shelter, action string) {
	if s.access != nil {
		s.access.Record(ctx, a, caseID, shelter, action)
	}
}

// Settings returns the NRM settings in force.
func (s *Service) Settings() eligibility.Settings { return s.settings }

// Today returns the current civil date in Europe/Brussels.
func (s *Service) Today() Date { return eligibility.Today(s.now()) }

var errNotFound = apperr.NotFoundf("no such case")

func forbidCaseFiles(a auth.Actor) error {
	if !a.WorksOnCases() {
		return apperr.Forbiddenf("only caseworkers and supervisors work on case files")
	}
	return nil
}

// load reads a case visible to the actor: caseworkers and supervisors see
// their own shelter's cases; another shelter's case is NotFound.
func load(db *gorm.DB, a auth.Actor, id string) (*row, bool, error) {
	return loadRow(db, a, id, false)
}

// loadForUpdate is load inside a change: it also locks the case row
// (SELECT … FOR UPDATE on PostgreSQL; on SQLite the IMMEDIATE transaction
// already serializes writers), so concurrent changes of one case queue and
// each reads the version the previous one committed. The case row is the
// first lock a change takes, the audit head (audit.Append) the last.
func loadForUpdate(tx *gorm.DB, a auth.Actor, id string) (*row, bool, error) {
	return loadRow(tx, a, id, true)
}

func loadRow(db *gorm.DB, a auth.Actor, id string, lock bool) (*row, bool, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, false, errNotFound
	}
	var r row
	q := db.Select("cases.*, (SELECT official_nrm FROM shelters WHERE shelters.id = cases.shelter_id) AS shelter_official, "+effectiveAssignee).
		Where("id = ?", id)
	if lock {
		q = q.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
	}
	if a.Shelter != "" || a.WorksOnCases() {
		q = q.Where("shelter_id = ?", a.Shelter)
	}
	if err := q.Take(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, false, errNotFound
		}
		return nil, false, fmt.Errorf("cases: load %s: %w", id, err)
	}
	return &r, r.ShelterOfficial, nil
}

// Visible checks, before any input is read, that the actor may work on the
// case: 403 for roles without case files, 404 for a case they cannot see.
func (s *Service) Visible(ctx context.Context, a auth.Actor, id string) error {
	if err := forbidCaseFiles(a); err != nil {
		return err
	}
	_, _, err := load(s.db.Read.WithContext(ctx), a, id)
	return err
}

// view builds the API view of a stored case as of a date.
func (s *Service) view(r *row, official bool, asOf Date) (Case, error) {
	id, _, err := r.open(s.keys)
	if err != nil {
		return Case{}, err
	}
	n, err := r.nrm(id, official)
	if err != nil {
		return Case{}, err
	}
	return s.viewOf(r, id, n, asOf), nil
}

func (s *Service) viewOf(r *row, id identity, n nrmCase, asOf Date) Case {
	c := Case{
		ID: r.ID, Reference: r.Reference, Shelter: r.ShelterID, Version: r.Version,
		State: n.State, Proceedings: n.Proceedings,
		Victim: Victim{GivenName: id.GivenName, FamilyName: id.FamilyName, Alias: id.Alias,
			DateOfBirth: id.DateOfBirth, Gender: r.Gender, Nationality: r.Nationality,
			EUCitizen: n.euCitizen(), UnaccompaniedMinor: r.UnaccompaniedMinor},
		Exploitation: n.Exploitation, IdentifiedOn: n.IdentifiedOn, IdentifiedBy: r.IdentifiedBy,
		LastEventOn: n.LastEventOn, Facts: n.Facts, Erased: r.DataKey == nil, Demo: r.Demo,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, shelterOfficial: n.ShelterOfficial,
	}
	if r.AssigneeNow != "" {
		c.Assignee = &r.AssigneeNow
	}
	s.evaluate(&c, n, asOf)
	return c
}

// evaluate sets what depends on the date: deadlines, flags and the events
// allowed as of asOf.
func (s *Service) evaluate(c *Case, n nrmCase, asOf Date) {
	snap := n.snapshot()
	c.AsOf, c.RulesVersion = asOf, eligibility.Version
	c.Flags = eligibility.Evaluate(snap, asOf, s.settings)
	c.Deadlines = eligibility.Deadlines(snap, asOf, s.settings)
	nrm := len(c.Deadlines)
	c.FlagDeadlines = withFlagDeadlines(slices.Clone(c.Deadlines), c.Flags, asOf, s.settings)[nrm:]
	c.AllowedEvents = allowedEvents(n, asOf, s.settings)
	if c.Deadlines == nil {
		c.Deadlines = []eligibility.Deadline{}
	}
	if c.Flags == nil {
		c.Flags = []eligibility.Flag{}
	}
}

// At returns a case answer evaluated as of another date (deadlines, flags,
// allowed events) without reading the case again: for the answer of a
// change asked with as_of, which must show the change's own result and is
// not a read of the case file.
func (s *Service) At(c Case, asOf Date) Case {
	n := nrmCase{
		State: c.State, Proceedings: c.Proceedings, Facts: c.Facts,
		IdentifiedOn: c.IdentifiedOn, LastEventOn: c.LastEventOn,
		Nationality: c.Victim.Nationality, Gender: c.Victim.Gender, DateOfBirth: c.Victim.DateOfBirth,
		UnaccompaniedMinor: c.Victim.UnaccompaniedMinor, Exploitation: c.Exploitation,
		Shelter: c.Shelter, ShelterOfficial: c.shelterOfficial,
	}
	s.evaluate(&c, n, asOf)
	return c
}

// Get returns a case as of a date (zero: today).
func (s *Service) Get(ctx context.Context, a auth.Actor, id string, asOf Date) (Case, error) {
	c, err := s.get(ctx, a, id, asOf)
	if err == nil {
		s.recordAccess(ctx, a, c.ID, c.Shelter, AccessGet)
	}
	return c, err
}

func (s *Service) get(ctx context.Context, a auth.Actor, id string, asOf Date) (Case, error) {
	if err := forbidCaseFiles(a); err != nil {
		return Case{}, err
	}
	if asOf.IsZero() {
		asOf = s.Today()
	}
	return s.cachedView(ctx, a, id, asOf)
}

// FlagsView is the answer of GET /cases/{id}/flags.
type FlagsView struct {
	AsOf         Date               `json:"as_of"`
	RulesVersion string             `json:"rules_version"`
	Flags        []eligibility.Flag `json:"flags"`
}

// Flags evaluates the rules on a case as of a date (zero: today).
func (s *Service) Flags(ctx context.Context, a auth.Actor, id string, asOf Date) (FlagsView, error) {
	c, err := s.get(ctx, a, id, asOf)
	if err != nil {
		return FlagsView{}, err
	}
	s.recordAccess(ctx, a, c.ID, c.Shelter, AccessFlags)
	return FlagsView{AsOf: c.AsOf, RulesVersion: eligibility.Version, Flags: c.Flags}, nil
}

// saveDerived replaces the stored flags and deadlines of a case, which the
// list filters and the deadline board read.
func saveDerived(tx *gorm.DB, caseID, shelterID string, n nrmCase, asOf Date, set eligibility.Settings) error {
	snap := n.snapshot()
	flags := eligibility.Evaluate(snap, asOf, set)
	return storeDerived(tx, caseID, shelterID, string(n.State), flags, withFlagDeadlines(eligibility.Deadlines(snap, asOf, set), flags, asOf, set))
}

// storeDerived replaces the stored flags and deadlines of a case in state
// with those given, when they differ. The deadline rows carry the case's
// state for the board (migration 0018): a change of state rewrites them
// too, so they follow the case whichever change moved it.
func storeDerived(tx *gorm.DB, caseID, shelterID, state string, flags []eligibility.Flag, deadlines []eligibility.Deadline) error {
	storedFlags, storedDeadlines, err := readDerived(tx, caseID)
	if err != nil {
		return err
	}
	// Most changes (fact events) leave them as they are: reading is cheap,
	// writing rewrites table and index pages that the commit must sync.
	var wantFlags []struct{ Rule, Severity, Kind string }
	for _, f := range flags {
		wantFlags = append(wantFlags, struct{ Rule, Severity, Kind string }{f.Rule, string(f.Severity), string(f.Kind)})
	}
	sort.Slice(wantFlags, func(i, j int) bool { return wantFlags[i].Rule < wantFlags[j].Rule })
	var wantDeadlines []storedDeadlineRow
	for _, d := range deadlines {
		if d.Kind != eligibility.DeadlineMajority {
			wantDeadlines = append(wantDeadlines, storedDeadlineRow{storedKind(d), d.DueOn.String(), state})
		}
	}
	sort.Slice(wantDeadlines, func(i, j int) bool { return wantDeadlines[i].Kind < wantDeadlines[j].Kind })
	if slices.Equal(storedFlags, wantFlags) && slices.Equal(storedDeadlines, wantDeadlines) {
		return nil
	}
	if err := tx.Exec("DELETE FROM case_flags WHERE case_id = ?", caseID).Error; err != nil {
		return fmt.Errorf("cases: clear flags: %w", err)
	}
	if err := tx.Exec("DELETE FROM case_deadlines WHERE case_id = ?", caseID).Error; err != nil {
		return fmt.Errorf("cases: clear deadlines: %w", err)
	}
	// One multi-row INSERT per table: a change writes a handful of rows.
	var q strings.Builder
	var args []any
	for _, f := range flags {
		if q.Len() == 0 {
			q.WriteString("INSERT INTO case_flags (case_id, rule, severity, kind) VALUES (?, ?, ?, ?)")
		} else {
			q.WriteString(", (?, ?, ?, ?)")
		}
		args = append(args, caseID, f.Rule, string(f.Severity), string(f.Kind))
	}
	if q.Len() > 0 {
		if err := tx.Exec(q.String(), args...).Error; err != nil {
			return fmt.Errorf("cases: store flags: %w", err)
		}
	}
	q.Reset()
	args = args[:0]
	for _, d := range deadlines {
		if d.Kind == eligibility.DeadlineMajority {
			continue // computed when read: a stored 18th birthday would reveal the date of birth
		}
		// The case's reference and state go with each row, so that the
		// board reads its index alone (migration 0018).
		if q.Len() == 0 {
			q.WriteString("INSERT INTO case_deadlines (case_id, shelter_id, kind, due_on, state, reference) " +
				"SELECT ?, ?, ?, ?, ?, reference FROM cases WHERE id = ?")
		} else {
			q.WriteString(" UNION ALL SELECT ?, ?, ?, ?, ?, reference FROM cases WHERE id = ?")
		}
		args = append(args, caseID, shelterID, storedKind(d), d.DueOn.String(), state, caseID)
	}
	if q.Len() > 0 {
		if err := tx.Exec(q.String(), args...).Error; err != nil {
			return fmt.Errorf("cases: store deadlines: %w", err)
		}
	}
	return nil
}

func appendRecord(tx *gorm.DB, a auth.Actor, r *row, event string, occurred Date, from, to nrmCase, data map[string]any, noteDigest string, now time.Time) (int64, error) {
	d, err := audit.DataOf(data)
	if err != nil {
		return 0, fmt.Errorf("cases: audit data: %w", err)
	}
	rec := audit.Record{
		RecordedAt: audit.FormatTime(now), OccurredOn: occurred.String(),
		CaseID: r.ID, CaseRef: r.Reference, Shelter: r.ShelterID,
		Actor: a.Username, ActorRole: string(a.Role), Event: event,
		FromState: string(from.State), ToState: string(to.State),
		FromProceedings: string(from.Proceedings), ToProceedings: string(to.Proceedings),
		Data: d, NoteDigest: noteDigest, RulesVersion: eligibility.Version,
	}
	if err := audit.Append(tx, &rec); err != nil {
		return 0, fmt.Errorf("cases: audit %s: %w", event, err)
	}
	return rec.Seq, nil
}

func marshalFacts(f Facts) (string, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("cases: encode facts: %w", err)
	}
	return string(b), nil
}

func canonicalExploitation(in []string) string {
	var out []string
	for _, t := range ExploitationTypes {
		if contains(in, t) {
			out = append(out, t)
		}
	}
	return strings.Join(out, ",")
}

// nextReference takes the next reference of a shelter and year:
// <PREFIX>-<year>-<4-digit sequence>.
func nextReference(tx *gorm.DB, shelterID string, year int) (string, error) {
	var prefix string
	if err := tx.Table("shelters").Select("ref_prefix").Where("id = ?", shelterID).Scan(&prefix).Error; err != nil {
		return "", fmt.Errorf("cases: shelter prefix: %w", err)
	}
	if prefix == "" {
		return "", apperr.Forbiddenf("your shelter %q does not exist", shelterID)
	}
	// One statement takes the next number, so concurrent writers (also on
	// PostgreSQL, from several servers) never get the same one.
	var last int
	err := tx.Raw(`INSERT INTO reference_counters (shelter_id, year, last) VALUES (?, ?, 1)
		ON CONFLICT (shelter_id, year) DO UPDATE SET last = reference_counters.last + 1
		RETURNING last`, shelterID, year).Scan(&last).Error
	if err != nil {
		return "", fmt.Errorf("cases: reference counter: %w", err)
	}
	return fmt.Sprintf("%s-%d-%04d", prefix, year, last), nil
}

// Create opens a case in the actor's shelter, in state identified with
// proceedings none.
func (s *Service) Create(ctx context.Context, a auth.Actor, in NewCase) (Case, error) {
	if err := forbidCaseFiles(a); err != nil {
		return Case{}, err
	}
	today := s.Today()
	v, err := in.validate(today)
	if err != nil {
		return Case{}, err
	}
	return s.create(ctx, a, v, false)
}

// CreateDemo opens a case like Create, marked as demo data.
func (s *Service) CreateDemo(ctx context.Context, a auth.Actor, in NewCase) (Case, error) {
	if err := forbidCaseFiles(a); err != nil {
		return Case{}, err
	}
	v, err := in.validate(s.Today())
	if err != nil {
		return Case{}, err
	}
	return s.create(ctx, a, v, true)
}

func (s *Service) create(ctx context.Context, a auth.Actor, v validCase, demo bool) (Case, error) {
	today := s.Today()
	var out Case
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		r := &row{
			ID: uuid.NewString(), ShelterID: a.Shelter, Version: 1,
			State: string(eligibility.StateIdentified), Proceedings: string(eligibility.ProceedingsNone),
			IdentifiedOn: v.identifiedOn.String(), IdentifiedBy: v.identifiedBy, LastEventOn: v.identifiedOn.String(),
			Gender: v.gender, Nationality: v.nationality, UnaccompaniedMinor: v.unaccompaniedMinor,
			AgeBand: ageBand(v.identity.DateOfBirth, v.identifiedOn), CTDCAgeBand: ctdcAgeBand(v.identity.DateOfBirth, v.identifiedOn),
			Exploitation: canonicalExploitation(v.exploitation), Demo: demo, CreatedAt: now, UpdatedAt: now,
		}
		if a.Is(auth.RoleCaseworker) {
			r.Assignee, r.AssigneeNow = a.Username, a.Username // the creator by default
		}
		ref, err := nextReference(tx, a.Shelter, v.identifiedOn.Year)
		if err != nil {
			return err
		}
		r.Reference = ref
		dk, wrapped, err := s.keys.NewDataKey(r.ID)
		if err != nil {
			return fmt.Errorf("cases: new data key: %w", err)
		}
		r.DataKey = wrapped
		if err := v.identity.seal(s.keys, dk, r); err != nil {
			return err
		}
		f := newFacts(v.identifiedOn)
		if r.Facts, err = marshalFacts(f); err != nil {
			return err
		}
		var official bool
		if err := tx.Table("shelters").Select("official_nrm").Where("id = ?", r.ShelterID).Scan(&official).Error; err != nil {
			return fmt.Errorf("cases: shelter: %w", err)
		}
		if err := tx.Create(r).Error; err != nil {
			return fmt.Errorf("cases: create: %w", err)
		}
		n, err := r.nrm(v.identity, official)
		if err != nil {
			return err
		}
		if err := saveDerived(tx, r.ID, r.ShelterID, n, today, s.settings); err != nil {
			return err
		}
		data := map[string]any{"identified_by": r.IdentifiedBy, "exploitation": r.exploitation()}
		if _, err := appendRecord(tx, a, r, "open_case", v.identifiedOn, nrmCase{}, n, data, "", now); err != nil {
			return err
		}
		out = s.viewOf(r, v.identity, n, today)
		out.Duplicates, err = s.duplicates(tx, a, r, today, now)
		return err
	})
	return out, err
}

// Update changes the victim's identity and statistical attributes (docs/api.md "Cases",
// PATCH). It is not an event: it does not move the latest event date. The
// audit record lists the names of the changed fields, never their values.
func (s *Service) Update(ctx context.Context, a auth.Actor, id string, p CasePatch) (Case, error) {
	today := s.Today()
	var out Case
	err := s.change(ctx, a, id, func(tx *gorm.DB, r *row, official bool) error {
		var err error
		orig := *r
		if r.DataKey == nil && p.touchesIdentity() {
			return apperr.Conflictf("the identity data of this case was erased and cannot be changed")
		}
		ident, dk, err := r.open(s.keys)
		if err != nil {
			return err
		}
		n, err := r.nrm(ident, official)
		if err != nil {
			return err
		}
		changed, err := p.apply(r, &ident, n, today)
		if err != nil {
			return err
		}
		if p.Version != nil && *p.Version != r.Version {
			return staleVersion(r.Version)
		}
		if len(changed) == 0 {
			out = s.viewOf(r, ident, n, today)
			return nil
		}
		if r.DataKey != nil {
			if err := ident.seal(s.keys, dk, r); err != nil {
				return err
			}
			// The age bands follow the date of birth while there is one;
			// after erasure they are all that is left of it.
			r.AgeBand = ageBand(ident.DateOfBirth, n.IdentifiedOn)
			r.CTDCAgeBand = ctdcAgeBand(ident.DateOfBirth, n.IdentifiedOn)
		}
		if n, err = r.nrm(ident, official); err != nil {
			return err
		}
		now := s.now().UTC()
		if err := saveRow(tx, &orig, r, now); err != nil {
			return err
		}
		if err := saveDerived(tx, r.ID, r.ShelterID, n, today, s.settings); err != nil {
			return err
		}
		if _, err := appendRecord(tx, a, r, "update_case", today, n, n, map[string]any{"fields": changed}, "", now); err != nil {
			return err
		}
		out = s.viewOf(r, ident, n, today)
		if p.touchesIdentity() {
			out.Duplicates, err = s.duplicates(tx, a, r, today, now)
		}
		return err
	})
	return out, err
}

func staleVersion(current int) error {
	return apperr.Conflictf("the case was changed by someone else (it is at version %d): reload it and try again", current)
}

// saveRow writes the row with version+1, only if nobody changed it since
// it was read (optimistic locking). Only the columns that differ from orig
// (the row as loaded) are written, so unchanged indexes are not rewritten:
// every page a change touches is more to write and sync at commit.
func saveRow(tx *gorm.DB, orig, r *row, now time.Time) error {
	old := r.Version
	r.Version++
	r.UpdatedAt = now
	set := map[string]any{"version": r.Version, "updated_at": now}
	str := func(col, was, is string) {
		if was != is {
			set[col] = is
		}
	}
	blob := func(col string, was, is []byte) {
		if !bytes.Equal(was, is) {
			set[col] = is
		}
	}
	str("state", orig.State, r.State)
	str("proceedings", orig.Proceedings, r.Proceedings)
	str("last_event_on", orig.LastEventOn, r.LastEventOn)
	str("facts", orig.Facts, r.Facts)
	str("name_index", orig.NameIndex, r.NameIndex)
	str("name_index_rev", orig.NameIndexRev, r.NameIndexRev)
	str("majority_month", orig.MajorityMonth, r.MajorityMonth)
	str("gender", orig.Gender, r.Gender)
	str("nationality", orig.Nationality, r.Nationality)
	str("age_band", orig.AgeBand, r.AgeBand)
	str("ctdc_age_band", orig.CTDCAgeBand, r.CTDCAgeBand)
	str("exploitation", orig.Exploitation, r.Exploitation)
	str("identified_by", orig.IdentifiedBy, r.IdentifiedBy)
	str("shelter_id", orig.ShelterID, r.ShelterID)
	str("assignee", orig.Assignee, r.Assignee)
	str("identity_fingerprint", orig.Fingerprint, r.Fingerprint)
	blob("given_name_enc", orig.GivenNameEnc, r.GivenNameEnc)
	blob("family_name_enc", orig.FamilyNameEnc, r.FamilyNameEnc)
	blob("alias_enc", orig.AliasEnc, r.AliasEnc)
	blob("date_of_birth_enc", orig.DateOfBirthEnc, r.DateOfBirthEnc)
	if orig.UnaccompaniedMinor != r.UnaccompaniedMinor {
		set["unaccompanied_minor"] = r.UnaccompaniedMinor
	}
	// Written by hand, the columns in a fixed order: this runs in every
	// change on the one writer, where GORM's Updates built the statement
	// by reflection each time (docs/performance.md "Issue 18").
	cols := make([]string, 0, len(set))
	for col := range set {
		cols = append(cols, col)
	}
	sort.Strings(cols)
	var q strings.Builder
	args := make([]any, 0, len(cols)+2)
	q.WriteString("UPDATE cases SET ")
	for i, col := range cols {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(col + " = ?")
		args = append(args, set[col])
	}
	q.WriteString(" WHERE id = ? AND version = ?")
	res := tx.Exec(q.String(), append(args, r.ID, old)...)
	if res.Error != nil {
		return fmt.Errorf("cases: save %s: %w", r.ID, res.Error)
	}
	if res.RowsAffected != 1 {
		return staleVersion(old + 1)
	}
	return nil
}

// EventInput is an event to record or simulate.
type EventInput struct {
	Type       string
	OccurredOn string
	Note       string
	Data       map[string]any
	// Version, when set, must equal the case's current version.
	Version *int
}

const maxNoteLength = 10000

// checkEventInput validates an event against a case: type, dates, note,
// data. future allows a date after today (simulate).
func checkEventInput(in EventInput, n nrmCase, erased bool, today Date, future bool) (*eventDef, Date, map[string]any, error) {
	var f apperr.Fields
	def, ok := lookup(EventType(in.Type))
	if in.Type == "" {
		f.AddCode("type", apperr.CodeRequired, "required: the event to record, %s", describeEvents())
	} else if !ok {
		f.AddCode("type", apperr.CodeUnknownValue, "unknown event %q: want %s", in.Type, describeEvents())
	}
	var on Date
	if in.OccurredOn == "" {
		f.AddCode("occurred_on", apperr.CodeRequired, "required: the date the event happened, as YYYY-MM-DD")
	} else if d, err := eligibility.ParseDate(in.OccurredOn); err != nil {
		f.AddCode("occurred_on", apperr.CodeDate, "want a date as YYYY-MM-DD: %v", err)
	} else {
		on = d
		if !future && on.After(today) {
			f.AddCode("occurred_on", apperr.CodeFuture, "%s is in the future (today is %s in Brussels)", on, today)
		}
		floor := n.LastEventOn
		if floor.Before(n.IdentifiedOn) {
			floor = n.IdentifiedOn
		}
		if on.Before(floor) {
			f.AddCode("occurred_on", apperr.CodeBeforeLatest, "%s is before the case's latest event (%s): events are recorded in order", on, floor)
		}
	}
	if len(in.Note) > maxNoteLength {
		f.Add("note", "at most %d characters", maxNoteLength)
	} else if in.Note != "" && erased {
		f.Add("note", "the identity data of this case was erased: notes can no longer be stored")
	}
	var data map[string]any
	if ok {
		var err error
		if data, err = normalizeData(def, in.Data); err != nil {
			if e, ok := apperr.As(err); ok {
				f = append(f, e.Fields...)
			}
		}
	}
	if err := f.Err(); err != nil {
		return def, on, nil, err
	}
	return def, on, data, nil
}

// change runs fn on a case in one transaction, with the row locked: the
// shape of every change to a case file (an event, a correction, a void).
// Only caseworkers and supervisors change case files; another shelter's
// case is not found.
func (s *Service) change(ctx context.Context, a auth.Actor, id string, fn func(tx *gorm.DB, r *row, official bool) error) error {
	if err := forbidCaseFiles(a); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		r, official, err := loadForUpdate(tx, a, id)
		if err != nil {
			return err
		}
		return fn(tx, r, official)
	})
}

// saveTracks writes a case whose tracks and facts changed (an event, a
// void): the row with its version moved on (only if nobody changed it
// since orig was read), and the flags and deadlines derived from it.
func (s *Service) saveTracks(tx *gorm.DB, orig, r *row, after nrmCase, today Date, now time.Time) error {
	var err error
	r.State, r.Proceedings, r.LastEventOn = string(after.State), string(after.Proceedings), after.LastEventOn.String()
	if r.Facts, err = marshalFacts(after.Facts); err != nil {
		return err
	}
	if err := saveRow(tx, orig, r, now); err != nil {
		return err
	}
	return saveDerived(tx, r.ID, r.ShelterID, after, today, s.settings)
}

// RecordEvent records an event on a case in one transaction and returns the
// updated case as of today.
func (s *Service) RecordEvent(ctx context.Context, a auth.Actor, id string, in EventInput) (Case, error) {
	out, _, err := s.recordEvent(ctx, a, id, in)
	return out, err
}

// RecordEventJSON is RecordEvent answering the updated case as of asOf
// (zero: today) as JSON, as GetJSON does. Today's encoding is kept with
// the case's view, so the read that usually follows a change is not
// encoded again (docs/performance.md "Issue 18").
func (s *Service) RecordEventJSON(ctx context.Context, a auth.Actor, id string, in EventInput, asOf Date) ([]byte, error) {
	out, e, err := s.recordEvent(ctx, a, id, in)
	if err != nil {
		return nil, err
	}
	if !asOf.IsZero() && asOf != out.AsOf {
		return encodeLine(s.At(out, asOf))
	}
	return s.views().encodedView(e, &out)
}

// recordEvent is RecordEvent also returning the entry that keeps the
// updated view (nil when a newer one was kept meanwhile).
func (s *Service) recordEvent(ctx context.Context, a auth.Actor, id string, in EventInput) (Case, *viewEntry, error) {
	today := s.Today()
	var out Case
	var saved *row
	var savedOfficial bool
	var savedIdent identity
	var savedKey vault.DataKey
	var savedFacts *Facts
	if err := forbidCaseFiles(a); err != nil {
		return Case{}, nil, err
	}
	pre := s.prepareEvent(ctx, a, id, in, today)
	var kept *viewEntry
	// Once committed, the next read of this version is served from memory
	// and the next event starts from this row. The view is kept by the
	// committer itself, as soon as the change is visible, not once this
	// goroutine runs again: list pages read between the two each built
	// the view again from the database (docs/performance.md "Fifth pass").
	keep := func() { kept = s.views().putRow(saved, savedOfficial, today, out, savedIdent, savedKey, savedFacts) }
	err := s.db.TxThen(ctx, func(tx *gorm.DB) error {
		if pre != nil {
			done, err := s.recordPrepared(tx, a, id, in, pre, &out)
			if err != nil || done {
				// Every saved value is set again on each run of this
				// function: PostgreSQL may run it again, down the other path.
				f := pre.after.Facts // pre.r.Facts was written from them
				saved, savedOfficial, savedIdent, savedKey, savedFacts = &pre.r, pre.st.official, pre.ident, pre.dk, &f
				return err
			}
		}
		r, official, err := loadForUpdate(tx, a, id)
		if err != nil {
			return err
		}
		orig := *r
		ident, dk, err := r.open(s.keys)
		if err != nil {
			return err
		}
		before, err := r.nrm(ident, official)
		if err != nil {
			return err
		}
		def, on, data, err := checkEventInput(in, before, r.DataKey == nil, today, false)
		if err != nil {
			return err
		}
		if in.Version != nil && *in.Version != r.Version {
			return staleVersion(r.Version)
		}
		after := before
		after.Facts = before.Facts
		if err := apply(ctx, &after, def.typ, on, data, s.settings); err != nil {
			return err
		}
		now := s.now().UTC()
		if err := s.saveTracks(tx, &orig, r, after, today, now); err != nil {
			return err
		}
		digest := s.keys.NoteDigest(in.Note)
		seq, err := appendRecord(tx, a, r, string(def.typ), on, before, after, data, digest, now)
		if err != nil {
			return err
		}
		if in.Note != "" {
			ct, err := dk.Seal(r.ID, fmt.Sprintf("%s/%d", fieldNote, seq), []byte(in.Note))
			if err != nil {
				return fmt.Errorf("cases: encrypt note: %w", err)
			}
			if err := tx.Exec("INSERT INTO case_notes (seq, case_id, note_enc) VALUES (?, ?, ?)", seq, r.ID, ct).Error; err != nil {
				return fmt.Errorf("cases: store note: %w", err)
			}
		}
		out = s.viewOf(r, ident, after, today)
		f := after.Facts // saveTracks wrote r.Facts from them
		saved, savedOfficial, savedIdent, savedKey, savedFacts = r, official, ident, dk, &f
		return nil
	}, keep)
	if err != nil {
		return out, nil, err
	}
	return out, kept, nil
}

// Simulation is the answer of a what-if (docs/rules.md "What-if").
type Simulation struct {
	AsOf              Date               `json:"as_of"`
	StateBefore       State              `json:"state_before"`
	StateAfter        State              `json:"state_after"`
	ProceedingsBefore Proceedings        `json:"proceedings_before"`
	ProceedingsAfter  Proceedings        `json:"proceedings_after"`
	FlagsBefore       []eligibility.Flag `json:"flags_before"`
	FlagsAfter        []eligibility.Flag `json:"flags_after"`
	WouldLose         []string           `json:"would_lose"`
	RulesVersion      string             `json:"rules_version"`
}

// Simulate applies an event to a copy of the case and evaluates the rules
// before and after, as of the event's date (which may be in the future).
// It writes nothing, not even to the audit log.
func (s *Service) Simulate(ctx context.Context, a auth.Actor, id string, in EventInput) (Simulation, error) {
	if err := forbidCaseFiles(a); err != nil {
		return Simulation{}, err
	}
	r, official, err := load(s.db.Read.WithContext(ctx), a, id)
	if err != nil {
		return Simulation{}, err
	}
	ident, _, err := r.open(s.keys)
	if err != nil {
		return Simulation{}, err
	}
	before, err := r.nrm(ident, official)
	if err != nil {
		return Simulation{}, err
	}
	def, on, data, err := checkEventInput(in, before, r.DataKey == nil, s.Today(), true)
	if err != nil {
		return Simulation{}, err
	}
	if in.Version != nil && *in.Version != r.Version {
		return Simulation{}, staleVersion(r.Version)
	}
	after := before
	if err := apply(ctx, &after, def.typ, on, data, s.settings); err != nil {
		return Simulation{}, err
	}
	fb := eligibility.Evaluate(before.snapshot(), on, s.settings)
	fa := eligibility.Evaluate(after.snapshot(), on, s.settings)
	s.recordAccess(ctx, a, r.ID, r.ShelterID, AccessSimulate)
	return Simulation{
		AsOf: on, StateBefore: before.State, StateAfter: after.State,
		ProceedingsBefore: before.Proceedings, ProceedingsAfter: after.Proceedings,
		FlagsBefore: nonNil(fb), FlagsAfter: nonNil(fa), WouldLose: eligibility.WouldLose(fb, fa),
		RulesVersion: eligibility.Version,
	}, nil
}

func nonNil(f []eligibility.Flag) []eligibility.Flag {
	if f == nil {
		return []eligibility.Flag{}
	}
	return f
}

// HistoryItem is one entry of a case's history as caseworkers see it.
type HistoryItem struct {
	Seq             int64           `json:"seq"`
	RecordedAt      string          `json:"recorded_at"`
	OccurredOn      string          `json:"occurred_on"`
	Event           string          `json:"event"`
	FromState       string          `json:"from_state"`
	ToState         string          `json:"to_state"`
	FromProceedings string          `json:"from_proceedings"`
	ToProceedings   string          `json:"to_proceedings"`
	Data            json.RawMessage `json:"data"`
	Actor           string          `json:"actor"`
	Note            string          `json:"note"`
	// Voided marks an event a later void_event voided (VoidedBySeq); it
	// stays in the history, as in the chain.
	Voided      bool   `json:"voided"`
	VoidedBySeq *int64 `json:"voided_by_seq"`
}

// records loads a case visible to the actor and its audit records,
// oldest first, and logs the read.
func (s *Service) records(ctx context.Context, a auth.Actor, id string) (*row, []audit.Record, error) {
	db := s.db.Read.WithContext(ctx)
	r, _, err := load(db, a, id)
	if err != nil {
		return nil, nil, err
	}
	recs, err := audit.ForCase(db, r.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("cases: history: %w", err)
	}
	s.recordAccess(ctx, a, r.ID, r.ShelterID, AccessEvents)
	return r, recs, nil
}

// AuditHistory returns the full audit records of a case, oldest first, for
// auditors (any shelter): only the notes' digests, no identity.
func (s *Service) AuditHistory(ctx context.Context, a auth.Actor, id string) ([]audit.Record, error) {
	if !a.Is(auth.RoleAuditor) {
		return nil, apperr.Forbiddenf("only auditors read the full audit records of a case")
	}
	_, recs, err := s.records(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if recs == nil {
		recs = []audit.Record{}
	}
	return recs, nil
}

// History returns the history of a case, oldest first, as caseworkers and
// supervisors see it: each record's event, states, data and actor, with
// the decrypted note.
func (s *Service) History(ctx context.Context, a auth.Actor, id string) ([]HistoryItem, error) {
	if err := forbidCaseFiles(a); err != nil {
		return nil, err
	}
	r, recs, err := s.records(ctx, a, id)
	if err != nil {
		return nil, err
	}
	db := s.db.Read.WithContext(ctx)
	notes := map[int64][]byte{}
	var ns []struct {
		Seq     int64
		NoteEnc []byte
	}
	if err := db.Table("case_notes").Select("seq, note_enc").Where("case_id = ?", r.ID).Scan(&ns).Error; err != nil {
		return nil, fmt.Errorf("cases: notes: %w", err)
	}
	for _, n := range ns {
		notes[n.Seq] = n.NoteEnc
	}
	var dk vault.DataKey
	if r.DataKey != nil && len(notes) > 0 {
		if dk, err = s.keys.UnwrapDataKey(r.ID, r.DataKey); err != nil {
			return nil, fmt.Errorf("cases: unwrap data key: %w", err)
		}
	}
	items := make([]HistoryItem, 0, len(recs))
	voided := voidedSeqs(recs)
	for _, rec := range recs {
		it := HistoryItem{Seq: rec.Seq, RecordedAt: rec.RecordedAt, OccurredOn: rec.OccurredOn, Event: rec.Event,
			FromState: rec.FromState, ToState: rec.ToState, FromProceedings: rec.FromProceedings,
			ToProceedings: rec.ToProceedings, Data: historyData(a, rec.Event, rec.Data), Actor: rec.Actor}
		if by, ok := voided[rec.Seq]; ok {
			it.Voided, it.VoidedBySeq = true, &by
		}
		if ct, ok := notes[rec.Seq]; ok && r.DataKey != nil {
			pt, err := dk.Open(r.ID, fmt.Sprintf("%s/%d", fieldNote, rec.Seq), ct)
			if err != nil {
				return nil, fmt.Errorf("cases: decrypt note %d: %w", rec.Seq, err)
			}
			it.Note = string(pt)
		}
		items = append(items, it)
	}
	return items, nil
}

// sortStrings returns a sorted copy.
func sortStrings(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}
