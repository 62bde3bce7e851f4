package cases

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/vault"
)

// The web UI's case list (docs/casework.md "Finding a case"): filters,
// a partial search of names, aliases and references, sortable columns
// and numbered pages. Names are encrypted with each case's own key, so a
// partial match cannot be asked of the database: the search reads the
// encrypted names of the shelter's cases that pass the other filters and
// decrypts them in memory, one search at a time, keeping nothing
// (docs/security.md "Searching names", docs/performance.md "Case list
// search"). The API's GET /cases keeps List and its reference-prefix or
// exact-name q.

// Sort keys of Search.
const (
	SortReference = "reference"
	SortState     = "state"
	SortDeadline  = "deadline"
	SortChanged   = "changed"
)

// SortKeys are the columns Search sorts by, the default first.
var SortKeys = []string{SortReference, SortState, SortDeadline, SortChanged}

// DeadlineWindows are the "due within N days" choices of Search.
var DeadlineWindows = []int{7, 30, 90}

// SearchLimit is the page size of Search.
const SearchLimit = 50

// SearchQuery filters, searches, sorts and pages a shelter's cases.
type SearchQuery struct {
	State, Proceedings, Rule, Severity string
	// Assignee is "me", "none", a username or "" (anyone).
	Assignee string
	// Within keeps the cases with a deadline (flags' due dates included)
	// due within that many days, overdue ones included; 0 does not filter.
	Within int
	// Text is a fragment of a reference, or of a given name, family name,
	// full name (either order) or alias, compared as the blind index
	// compares names: ignoring case, accents and spacing.
	Text string
	// Sort is one of SortKeys, ascending unless Desc; "" is the newest
	// reference first. Ties are broken by reference, newest first.
	Sort string
	Desc bool
	// Offset is the number of cases skipped; Limit is the page size
	// (0 is SearchLimit).
	Offset, Limit int
	AsOf          Date
}

// SearchPage is one page of Search with the number of cases that match.
type SearchPage struct {
	Items []Case
	Total int
}

// Search answers the web UI's case list. It validates q like List and
// reads only the actor's shelter.
func (s *Service) Search(ctx context.Context, a auth.Actor, q SearchQuery) (SearchPage, error) {
	if err := forbidCaseFiles(a); err != nil {
		return SearchPage{}, err
	}
	if err := q.check(); err != nil {
		return SearchPage{}, err
	}
	if q.Limit == 0 {
		q.Limit = SearchLimit
	}
	if q.AsOf.IsZero() {
		q.AsOf = s.Today()
	}
	db := s.db.Read.WithContext(ctx).Model(&row{}).Where("shelter_id = ?", a.Shelter)
	db = filterAssignee(db, a, q.Assignee)
	if q.State != "" {
		db = db.Where("state = ?", q.State)
	}
	if q.Proceedings != "" {
		db = db.Where("proceedings = ?", q.Proceedings)
	}
	if q.Rule != "" {
		db = db.Where("id IN (SELECT case_id FROM case_flags WHERE rule = ?)", q.Rule)
	}
	if q.Severity != "" {
		db = db.Where("id IN (SELECT case_id FROM case_flags WHERE severity = ?)", q.Severity)
	}
	if q.Within > 0 {
		db = db.Where("id IN (SELECT case_id FROM case_deadlines WHERE shelter_id = ? AND due_on <= ?)",
			a.Shelter, q.AsOf.AddDays(q.Within).String())
	}
	// A new session, so that the count and the page each start from
	// the filters alone (a count with ORDER BY fails on PostgreSQL).
	db = db.Session(&gorm.Session{})
	// The sorted ids first, then the stamps of the page's cases only: a
	// sort that no index serves (state, deadline) then moves ids, not
	// facts, and the assignee subquery runs for 50 rows, not 10,000.
	ordered := db.Order(q.order())
	text := strings.TrimSpace(q.Text)
	var ids []string
	total := 0
	if text == "" {
		var n int64
		if err := db.Count(&n).Error; err != nil {
			return SearchPage{}, fmt.Errorf("cases: search: count: %w", err)
		}
		total = int(n)
		if err := ordered.Offset(q.Offset).Limit(q.Limit).Pluck("id", &ids).Error; err != nil {
			return SearchPage{}, fmt.Errorf("cases: search: %w", err)
		}
	} else {
		// Scanned by hand: GORM's reflection would cost more than the
		// decryption at 10,000 rows.
		rs, err := ordered.Select("id, reference, data_key, given_name_enc, family_name_enc, alias_enc").Rows()
		if err != nil {
			return SearchPage{}, fmt.Errorf("cases: search: %w", err)
		}
		defer rs.Close()
		m := newMatcher(text)
		var r row
		for rs.Next() {
			if err := rs.Scan(&r.ID, &r.Reference, &r.DataKey, &r.GivenNameEnc, &r.FamilyNameEnc, &r.AliasEnc); err != nil {
				return SearchPage{}, fmt.Errorf("cases: search: %w", err)
			}
			ok, err := m.match(s.keys, &r)
			if err != nil {
				return SearchPage{}, err
			}
			if !ok {
				continue
			}
			if total >= q.Offset && len(ids) < q.Limit {
				ids = append(ids, r.ID)
			}
			total++
		}
		if err := rs.Err(); err != nil {
			return SearchPage{}, fmt.Errorf("cases: search: %w", err)
		}
		rs.Close()
	}
	stamps, err := s.searchStamps(ctx, a, ids)
	if err != nil {
		return SearchPage{}, err
	}
	official, err := s.official(s.db.Read.WithContext(ctx), a.Shelter)
	if err != nil {
		return SearchPage{}, err
	}
	views, err := s.pageViews(ctx, a, stamps, official, q.AsOf)
	if err != nil {
		return SearchPage{}, err
	}
	items := make([]Case, len(views))
	ids = make([]string, len(views))
	for i, v := range views {
		items[i], ids[i] = *v.c, v.c.ID
	}
	if s.access != nil && len(ids) > 0 {
		s.access.RecordMany(ctx, a, ids, a.Shelter, AccessList)
	}
	return SearchPage{Items: items, Total: total}, nil
}

// searchStamps reads what pageViews needs of the cases ids, in that order.
func (s *Service) searchStamps(ctx context.Context, a auth.Actor, ids []string) ([]listStamp, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []row
	// By primary key alone (with the shelter, SQLite may scan the
	// shelter's index instead); the shelter is checked below.
	// facts_rev, not the facts: it is what a kept view is checked by
	// (viewcache.go); without it a view kept after a backfill never
	// matched a search page's stamp.
	if err := s.db.Read.WithContext(ctx).Model(&row{}).Select("id, reference, shelter_id, version, facts_rev, "+effectiveAssignee).
		Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("cases: search: %w", err)
	}
	at := make(map[string]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	out := make([]listStamp, len(ids))
	for _, r := range rows {
		if r.ShelterID != a.Shelter {
			return nil, fmt.Errorf("cases: search: case %s is not of shelter %s", r.ID, a.Shelter)
		}
		out[at[r.ID]] = listStamp{ID: r.ID, Reference: r.Reference, AssigneeNow: r.AssigneeNow, Version: r.Version, FactsRev: r.FactsRev}
	}
	if len(rows) != len(ids) {
		return nil, fmt.Errorf("cases: search: %d of %d cases read", len(rows), len(ids))
	}
	return out, nil
}

func (q *SearchQuery) check() error {
	var f apperr.Fields
	checkFilters(&f, q.State, q.Proceedings, q.Rule, q.Severity, q.Text)
	if q.Within != 0 && !containsInt(DeadlineWindows, q.Within) {
		f.AddCode("within", apperr.CodeUnknownValue, "want 7, 30 or 90 days")
	}
	if q.Sort != "" && !contains(SortKeys, q.Sort) {
		f.AddCode("sort", apperr.CodeUnknownValue, "want reference, state, deadline or changed")
	}
	if q.Offset < 0 {
		f.Add("page", "want a page number from 1")
	}
	if q.Limit < 0 || q.Limit > MaxLimit {
		f.Add("limit", "want 1 to %d", MaxLimit)
	}
	return f.Err()
}

func isRule(id string) bool {
	for _, r := range eligibility.Rules() {
		if r.ID == id {
			return true
		}
	}
	return false
}

func containsInt(list []int, n int) bool {
	for _, v := range list {
		if v == n {
			return true
		}
	}
	return false
}

// nextDueSQL is a case's earliest stored deadline; cases without one sort
// after all others in either direction.
const nextDueSQL = `(SELECT MIN(d.due_on) FROM case_deadlines d WHERE d.case_id = cases.id)`

// order is the ORDER BY of q: the sort column, then reference newest
// first so that equal keys keep a stable order across pages.
func (q *SearchQuery) order() string {
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	switch q.Sort {
	case SortState:
		return "state " + dir + ", reference DESC"
	case SortDeadline:
		// One evaluation of the subquery per case: the stand-in for
		// "none" sorts last either way (dates are YYYY-MM-DD text).
		none := "'9999-12-31'"
		if q.Desc {
			none = "''"
		}
		return "COALESCE(" + nextDueSQL + ", " + none + ") " + dir + ", reference DESC"
	case SortChanged:
		return "updated_at " + dir + ", reference DESC"
	}
	if q.Sort == "" {
		return "reference DESC"
	}
	return "reference " + dir
}

// matcher compares one search text with a case's reference and names.
type matcher struct {
	ref  string // the text upper-cased, for references
	name string // the text normalized as the blind index normalizes names
}

func newMatcher(text string) matcher {
	return matcher{ref: strings.ToUpper(text), name: vault.NormalizeName(text)}
}

// match reports whether the case's reference or one of its names holds
// the text. It decrypts the names only when the reference does not match;
// an erased case has no names left to match.
func (m matcher) match(keys *vault.Keys, r *row) (bool, error) {
	if strings.Contains(r.Reference, m.ref) {
		return true, nil
	}
	if m.name == "" || r.DataKey == nil {
		return false, nil
	}
	dk, err := keys.UnwrapDataKey(r.ID, r.DataKey)
	if err != nil {
		return false, fmt.Errorf("cases: search: unwrap data key of %s: %w", r.ID, err)
	}
	var names [3]string
	for i, f := range []struct {
		field string
		ct    []byte
	}{{fieldGivenName, r.GivenNameEnc}, {fieldFamilyName, r.FamilyNameEnc}, {fieldAlias, r.AliasEnc}} {
		if f.ct == nil {
			continue
		}
		pt, err := dk.Open(r.ID, f.field, f.ct)
		if err != nil {
			return false, fmt.Errorf("cases: search: decrypt %s of %s: %w", f.field, r.ID, err)
		}
		names[i] = string(pt)
	}
	given, family, alias := names[0], names[1], names[2]
	for _, n := range []string{given + " " + family, family + " " + given, alias} {
		if strings.Contains(vault.NormalizeName(n), m.name) {
			return true, nil
		}
	}
	return false, nil
}
