package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/vault"
)

// The derived view of a case (decrypted identity, facts, deadlines, flags,
// allowed events) costs tens of microseconds to build: unwrapping the data
// key, AES-GCM, the facts JSON and the 25 rules. Reads far outnumber
// changes, so the last view built of each case is kept in memory and
// served again while it is still true (docs/performance.md "Issue 18").
//
// A view is served again only for the same case version, as-of date,
// shelter official status and facts revision, all read from the database
// on every request: every change of a case moves its version (events,
// voids, corrections, erasure), so a view of an older version is never
// served, on this instance or another one. The facts revision (facts_rev)
// moves when a start-up backfill rewrites the facts without an event; it
// replaced comparing the stored facts themselves, about 1.2 KB read and
// compared per case on every read (docs/performance.md "Issue 18").
const (
	// viewCacheMax bounds the views kept: about 4 KB each.
	viewCacheMax = 20000
	// viewCacheTTL bounds how long a view stays in memory unused. The
	// erasure of a case on this instance drops its view at once; a view
	// of a case erased on another instance is never served (the version
	// moved) and leaves memory within this time.
	viewCacheTTL = 10 * time.Minute
)

type viewEntry struct {
	version  int
	asOf     Date
	official bool
	factsRev int
	assignee string // the effective assignee (orgs.go), which changes with users, not versions
	at       time.Time
	c        Case
	// enc is c as JSON with a final newline (what encoding/json's
	// Encoder writes), made at the first request that asks for it; c is
	// never changed once kept, so enc stays its encoding.
	enc []byte
	// row, when set, is the stored row c was built from with its identity
	// decrypted, kept by a change: the next event on the case starts from
	// it (eventprep.go).
	row *keptRow
}

// keptRow is a case as stored at one version, opened: what an event is
// worked out from. Reading and decrypting the row was a sixth of an
// event's CPU (docs/performance.md "Issue 18"). It is a snapshot like any
// other: the change checks the version in its transaction before writing.
type keptRow struct {
	r     row
	ident identity
	dk    vault.DataKey
	// facts, when set, are r.Facts parsed: the change that kept the row
	// wrote r.Facts from them. Parsing the JSON again was a sixth of the
	// event handler's CPU (docs/performance.md "Sixth pass"). Facts holds
	// values only, so the copies events take share nothing.
	facts *Facts
}

// viewCache holds at most one view per case, the last one built.
type viewCache struct {
	now       func() time.Time
	mu        sync.Mutex
	m         map[string]*viewEntry
	lastSweep time.Time
}

func newViewCache(now func() time.Time) *viewCache {
	return &viewCache{now: now, m: map[string]*viewEntry{}}
}

// get returns the view of case id if it was built from exactly this
// version, date, shelter status and facts revision.
func (vc *viewCache) get(id string, version int, asOf Date, official bool, factsRev int, assignee string) (Case, bool) {
	e := vc.entry(id, version, asOf, official, factsRev, assignee)
	if e == nil {
		return Case{}, false
	}
	return e.c, true
}

// entry returns the kept entry of case id if it was built from exactly
// this version, date, shelter status and facts revision, else nil. The entry's
// view must not be changed.
func (vc *viewCache) entry(id string, version int, asOf Date, official bool, factsRev int, assignee string) *viewEntry {
	vc.mu.Lock()
	defer vc.mu.Unlock()
	e := vc.m[id]
	if e == nil || e.version != version || e.asOf != asOf || e.official != official || e.factsRev != factsRev || e.assignee != assignee {
		return nil
	}
	e.at = vc.now()
	return e
}

// encoded returns e's view as JSON, encoding it the first time.
func (vc *viewCache) encoded(e *viewEntry) ([]byte, error) {
	vc.mu.Lock()
	b := e.enc
	vc.mu.Unlock()
	if b != nil {
		return b, nil
	}
	b, err := encodeLine(e.c)
	if err != nil {
		return nil, err
	}
	vc.mu.Lock()
	e.enc = b
	vc.mu.Unlock()
	return b, nil
}

// encodedView returns view c as JSON: the encoding kept with e when c is
// e's view (e not nil), else encoded now.
func (vc *viewCache) encodedView(e *viewEntry, c *Case) ([]byte, error) {
	if e == nil {
		return encodeLine(c)
	}
	return vc.encoded(e)
}

// encodeLine encodes v as encoding/json's Encoder does: HTML-safe, with a
// final newline.
func encodeLine(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cases: encode: %w", err)
	}
	return append(b, '\n'), nil
}

// put keeps c, the view of r evaluated as of asOf, unless a view of a
// newer version is already kept.
func (vc *viewCache) put(r *row, official bool, asOf Date, c Case) {
	now := vc.now()
	vc.mu.Lock()
	defer vc.mu.Unlock()
	if e := vc.m[r.ID]; e != nil && e.version > r.Version {
		return
	}
	if now.Sub(vc.lastSweep) > time.Minute {
		vc.lastSweep = now
		for id, e := range vc.m {
			if now.Sub(e.at) > viewCacheTTL {
				delete(vc.m, id)
			}
		}
	}
	if _, ok := vc.m[r.ID]; !ok && len(vc.m) >= viewCacheMax {
		for id := range vc.m { // an arbitrary one: Go's map order is random
			delete(vc.m, id)
			break
		}
	}
	vc.m[r.ID] = &viewEntry{version: r.Version, asOf: asOf, official: official, factsRev: r.FactsRev, assignee: r.AssigneeNow, at: now, c: c}
}

// putEntry is put returning the entry kept (nil when a newer one was).
func (vc *viewCache) putEntry(r *row, official bool, asOf Date, c Case) *viewEntry {
	vc.put(r, official, asOf, c)
	vc.mu.Lock()
	defer vc.mu.Unlock()
	if e := vc.m[r.ID]; e != nil && e.version == r.Version && e.asOf == asOf && e.official == official && e.factsRev == r.FactsRev && e.assignee == r.AssigneeNow {
		return e
	}
	return nil
}

// putRow is putEntry keeping also the opened row the view was built from.
// facts, when not nil, are r.Facts parsed.
func (vc *viewCache) putRow(r *row, official bool, asOf Date, c Case, ident identity, dk vault.DataKey, facts *Facts) *viewEntry {
	e := vc.putEntry(r, official, asOf, c)
	if e != nil {
		vc.mu.Lock()
		e.row = &keptRow{r: *r, ident: ident, dk: dk, facts: facts}
		vc.mu.Unlock()
	}
	return e
}

// keptRow returns the opened row kept for case id, whatever its version,
// and the shelter status it was read with.
func (vc *viewCache) keptRow(id string) (*keptRow, bool, bool) {
	vc.mu.Lock()
	defer vc.mu.Unlock()
	e := vc.m[id]
	if e == nil || e.row == nil {
		return nil, false, false
	}
	return e.row, e.official, true
}

// forget drops the view of a case (after its erasure).
func (vc *viewCache) forget(id string) {
	vc.mu.Lock()
	delete(vc.m, id)
	vc.mu.Unlock()
}

// len returns the number of views kept (tests).
func (vc *viewCache) len() int {
	vc.mu.Lock()
	defer vc.mu.Unlock()
	return len(vc.m)
}

// views returns the service's view cache, created on first use.
func (s *Service) views() *viewCache {
	s.viewsOnce.Do(func() { s.viewCache = newViewCache(s.now) })
	return s.viewCache
}

// caseStamp is what decides whether a kept view is still true.
type caseStamp struct {
	version  int
	factsRev int
	official bool
	assignee string
}

// stampSQL reads what decides whether a kept view is still true.
const stampSQL = "SELECT version, facts_rev, COALESCE((SELECT official_nrm FROM shelters WHERE shelters.id = cases.shelter_id), false), " +
	effectiveAssignee + " FROM cases WHERE id = ?"

// stamp reads the version, facts revision and shelter status of a case the actor
// may see (errNotFound otherwise) on the read pool, by primary key,
// through a statement prepared once (readstmts.go): GORM's statement
// building was half the cost of this read, itself a third of a GET.
func (s *Service) stamp(ctx context.Context, a auth.Actor, id string) (caseStamp, error) {
	if _, err := uuid.Parse(id); err != nil {
		return caseStamp{}, errNotFound
	}
	q, args := stampSQL, []any{id}
	if a.Shelter != "" || a.WorksOnCases() {
		q += " AND shelter_id = ?"
		args = append(args, a.Shelter)
	}
	s.reads.init(s.db.Read)
	var st caseStamp
	found := false
	err := s.reads.query(ctx, q, args, func(rs *sql.Rows) error {
		found = true
		return rs.Scan(&st.version, &st.factsRev, &st.official, &st.assignee)
	})
	if err != nil {
		return caseStamp{}, fmt.Errorf("cases: load %s: %w", id, err)
	}
	if !found {
		return caseStamp{}, errNotFound
	}
	return st, nil
}

// stampLocked is stamp inside a change: it also locks the case row, as
// loadForUpdate does (SELECT … FOR UPDATE on PostgreSQL; on SQLite the
// IMMEDIATE transaction already serializes writers).
func stampLocked(tx *gorm.DB, a auth.Actor, id string) (caseStamp, error) {
	return readStamp(tx, a, id, true)
}

func readStamp(db *gorm.DB, a auth.Actor, id string, lock bool) (caseStamp, error) {
	if _, err := uuid.Parse(id); err != nil {
		return caseStamp{}, errNotFound
	}
	q, args := stampSQL, []any{id}
	if a.Shelter != "" || a.WorksOnCases() {
		q += " AND shelter_id = ?"
		args = append(args, a.Shelter)
	}
	if lock && db.Dialector.Name() == "postgres" {
		q += " FOR UPDATE OF cases"
	}
	var st caseStamp
	err := db.Raw(q, args...).Row().Scan(&st.version, &st.factsRev, &st.official, &st.assignee)
	if errors.Is(err, sql.ErrNoRows) {
		return caseStamp{}, errNotFound
	}
	if err != nil {
		return caseStamp{}, fmt.Errorf("cases: load %s: %w", id, err)
	}
	return st, nil
}

// cachedView returns the view of a case the actor may see, as of asOf,
// from the cache when it still holds, else built from the stored row.
func (s *Service) cachedView(ctx context.Context, a auth.Actor, id string, asOf Date) (Case, error) {
	c, _, err := s.cachedEntry(ctx, a, id, asOf)
	return c, err
}

// cachedEntry is cachedView that also returns the entry kept, if any.
func (s *Service) cachedEntry(ctx context.Context, a auth.Actor, id string, asOf Date) (Case, *viewEntry, error) {
	db := s.db.Read
	st, err := s.stamp(ctx, a, id)
	if err != nil {
		return Case{}, nil, err
	}
	vc := s.views()
	if e := vc.entry(id, st.version, asOf, st.official, st.factsRev, st.assignee); e != nil {
		return e.c, e, nil
	}
	r, official, err := load(db.WithContext(ctx), a, id)
	if err != nil {
		return Case{}, nil, err
	}
	c, err := s.view(r, official, asOf)
	if err != nil {
		return Case{}, nil, err
	}
	return c, vc.putEntry(r, official, asOf, c), nil
}

// GetJSON is Get answering the case as JSON, exactly as encoding/json's
// Encoder writes it (with a final newline): the encoding of a kept view
// is kept with it, so a case read again is not encoded again.
func (s *Service) GetJSON(ctx context.Context, a auth.Actor, id string, asOf Date) ([]byte, error) {
	if err := forbidCaseFiles(a); err != nil {
		return nil, err
	}
	if asOf.IsZero() {
		asOf = s.Today()
	}
	c, e, err := s.cachedEntry(ctx, a, id, asOf)
	if err != nil {
		return nil, err
	}
	b, err := s.views().encodedView(e, &c)
	if err != nil {
		return nil, err
	}
	s.recordAccess(ctx, a, c.ID, c.Shelter, AccessGet)
	return b, nil
}

// pageViews returns the views of a page of cases of the actor's shelter,
// in order, given their stamps (id, version, facts revision): kept views where they
// still hold, the others built from the rows read in one query.
func (s *Service) pageViews(ctx context.Context, a auth.Actor, stamps []listStamp, official bool, asOf Date) ([]listedView, error) {
	vc := s.views()
	out := make([]listedView, len(stamps))
	var missing []string
	var at map[string]int // index of each missing case in the page
	for i := range stamps {
		st := &stamps[i]
		if e := vc.entry(st.ID, st.Version, asOf, official, st.FactsRev, st.AssigneeNow); e != nil {
			out[i] = listedView{c: &e.c, e: e}
			continue
		}
		if at == nil {
			at = map[string]int{}
		}
		missing = append(missing, st.ID)
		at[st.ID] = i
	}
	if len(missing) == 0 {
		return out, nil
	}
	var rows []row
	if err := s.db.Read.WithContext(ctx).Select("cases.*, "+effectiveAssignee).Where("id IN ? AND shelter_id = ?", missing, a.Shelter).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("cases: list: %w", err)
	}
	if len(rows) != len(missing) {
		return nil, fmt.Errorf("cases: list: %d of %d cases read", len(rows), len(missing))
	}
	for i := range rows {
		r := &rows[i]
		c, err := s.view(r, official, asOf)
		if err != nil {
			return nil, err
		}
		out[at[r.ID]] = listedView{c: &c, e: vc.putEntry(r, official, asOf, c)}
	}
	return out, nil
}
