package cases

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// Page limits of docs/api.md "Paging".
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// ListQuery filters a case list (GET /cases, docs/api.md "Cases").
type ListQuery struct {
	State       string
	Proceedings string
	Rule        string
	Severity    string
	Q           string
	// Assignee filters by assignee: "me", "none" or a username.
	Assignee string
	Limit    int
	Cursor   string
	AsOf     Date
}

// Page is one page of a list.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func checkLimit(f *apperr.Fields, limit *int) {
	switch {
	case *limit == 0:
		*limit = DefaultLimit
	case *limit < 1 || *limit > MaxLimit:
		f.Add("limit", "want 1 to %d", MaxLimit)
	}
}

func decodeCursor(f *apperr.Fields, c string) string {
	if c == "" {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	// Cursors are references and dates: UTF-8 text, which PostgreSQL
	// requires of every compared string.
	if err != nil || len(b) == 0 || !utf8.Valid(b) || strings.ContainsRune(string(b), 0) {
		f.Add("cursor", "not a cursor returned by this list; start again without it")
		return ""
	}
	return string(b)
}

func encodeCursor(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// List returns the cases of the actor's shelter, newest reference first.
func (s *Service) List(ctx context.Context, a auth.Actor, q ListQuery) (Page[Case], error) {
	p, err := s.listPage(ctx, a, q)
	if err != nil {
		return Page[Case]{}, err
	}
	page := Page[Case]{Items: make([]Case, len(p.views)), NextCursor: p.next}
	for i, v := range p.views {
		page.Items[i] = *v.c
	}
	return page, nil
}

// ListJSON is List answering the page as JSON, exactly as encoding/json's
// Encoder writes a Page[Case] (with a final newline), made of the kept
// encodings of the cases' views: encoding fifty views again was a third
// of the CPU of a list page (docs/performance.md "Issue 18").
func (s *Service) ListJSON(ctx context.Context, a auth.Actor, q ListQuery) ([]byte, error) {
	return s.AppendListJSON(ctx, nil, a, q)
}

// AppendListJSON is ListJSON appending the page to dst, so that a caller
// can reuse one buffer for many pages: a page is about 300 KB, and
// allocating and clearing it anew was a fifth of a list's CPU, garbage
// collection included.
func (s *Service) AppendListJSON(ctx context.Context, dst []byte, a auth.Actor, q ListQuery) ([]byte, error) {
	p, err := s.listPage(ctx, a, q)
	if err != nil {
		return dst, err
	}
	vc := s.views()
	b := append(dst, `{"items":[`...)
	for i, v := range p.views {
		enc, err := vc.encodedView(v.e, v.c)
		if err != nil {
			return dst, err
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, enc[:len(enc)-1]...) // without the Encoder's newline
	}
	next, err := json.Marshal(p.next)
	if err != nil {
		return dst, fmt.Errorf("cases: list: %w", err)
	}
	b = append(b, `],"next_cursor":`...)
	b = append(b, next...)
	return append(b, "}\n"...), nil
}

// listedView is a case of a list page: its view and, when the view is
// kept, the entry that holds it (and its encoding). c points into the
// entry when there is one (its view is never changed): copying fifty
// views of about 1.6 KB was a third of what a list page allocated.
type listedView struct {
	c *Case
	e *viewEntry
}

// listed is a page of a list before it is answered.
type listed struct {
	views []listedView
	next  string
}

// listPage checks q, reads the page's cases and records their reading
// (one access-log row for the page).
func (s *Service) listPage(ctx context.Context, a auth.Actor, q ListQuery) (listed, error) {
	if err := forbidCaseFiles(a); err != nil {
		return listed{}, err
	}
	var f apperr.Fields
	checkFilters(&f, q.State, q.Proceedings, q.Rule, q.Severity, q.Q)
	checkLimit(&f, &q.Limit)
	after := decodeCursor(&f, q.Cursor)
	if err := f.Err(); err != nil {
		return listed{}, err
	}
	if q.AsOf.IsZero() {
		q.AsOf = s.Today()
	}
	// The page's stamps only: the views come from the cache, and only
	// the cases whose view is not kept are read whole (viewcache.go). The
	// query is written by hand and kept prepared (readstmts.go).
	//
	// The stamps are read from the index cases_list_stamp alone
	// (migration 0019) and come back joined into one string by the
	// database (fields by unit separators, cases by record separators;
	// ids, references, numbers and usernames hold neither). The shelter's
	// official status and its active users come with them, each an
	// uncorrelated subquery evaluated once: an assignee is effective when
	// active in the case's shelter (orgs.go), which a lookup per case
	// decided before, a quarter of the query (docs/performance.md
	// "Issue 18").
	var sq strings.Builder
	//
	// The joined stamps come in no particular order and are sorted here:
	// an ORDER BY inside the aggregate was a third of the query
	// (docs/performance.md "Issue 18"). References compare bytewise in
	// both databases (BINARY in SQLite, COLLATE "C" in PostgreSQL), as
	// they do in Go. On SQLite one concat_ws per row instead of eight ||
	// (each a new string) took a sixth off the list's query and a quarter
	// off the board's (docs/performance.md "Sixth pass"); every column
	// joined is NOT NULL, which concat_ws would skip.
	agg := "group_concat(concat_ws(char(31), id, reference, version, facts_rev, assignee), char(30))"
	users := "group_concat(username, char(31))"
	if s.db.Read.Dialector.Name() == "postgres" {
		agg = "string_agg(id || chr(31) || reference || chr(31) || version || chr(31) || facts_rev || chr(31) || assignee, chr(30))"
		users = "string_agg(username, chr(31))"
	}
	s.reads.init(s.db.Read)
	sq.WriteString("SELECT " + agg + ", COALESCE((SELECT official_nrm FROM shelters WHERE id = ?), false), " +
		"(SELECT " + users + " FROM users WHERE shelter_id = ? AND NOT disabled) FROM (" +
		"SELECT id, reference, version, facts_rev, assignee FROM cases WHERE shelter_id = " + s.reads.planStable())
	args := []any{a.Shelter, a.Shelter, a.Shelter}
	where := func(cond string, more ...any) {
		sq.WriteString(" AND " + cond)
		args = append(args, more...)
	}
	if cond, more := assigneeCond(a, q.Assignee); cond != "" {
		where(cond, more...)
	}
	if q.State != "" {
		where("state = ?", q.State)
	}
	if q.Proceedings != "" {
		where("proceedings = ?", q.Proceedings)
	}
	if q.Rule != "" {
		where("id IN (SELECT case_id FROM case_flags WHERE rule = ?)", q.Rule)
	}
	if q.Severity != "" {
		where("id IN (SELECT case_id FROM case_flags WHERE severity = ?)", q.Severity)
	}
	if term := strings.TrimSpace(q.Q); term != "" {
		prefix := escapeLike(strings.ToUpper(term)) + "%"
		if idx := s.keys.BlindIndex(term); idx != "" {
			where(`(reference LIKE ? ESCAPE '\' OR name_index = ? OR name_index_rev = ?)`, prefix, idx, idx)
		} else {
			// A term that normalizes to nothing can only be a reference
			// prefix (erased cases have an empty index).
			where(`reference LIKE ? ESCAPE '\'`, prefix)
		}
	}
	if after != "" {
		where("reference < ?", after)
	}
	sq.WriteString(" ORDER BY reference DESC" + limitClause(q.Limit+1) + ") AS page")
	var joined, active sql.NullString
	var official bool
	err := s.reads.query(ctx, sq.String(), args, func(rs *sql.Rows) error {
		return rs.Scan(&joined, &official, &active)
	})
	if err != nil {
		return listed{}, fmt.Errorf("cases: list: %w", err)
	}
	rows, err := splitStamps(joined.String, strings.Split(active.String, "\x1f"), q.Limit+1)
	if err != nil {
		return listed{}, fmt.Errorf("cases: list: %w", err)
	}
	slices.SortFunc(rows, func(a, b listStamp) int { return strings.Compare(b.Reference, a.Reference) })
	var p listed
	if len(rows) > q.Limit {
		rows = rows[:q.Limit]
		p.next = encodeCursor(rows[len(rows)-1].Reference)
	}
	if p.views, err = s.pageViews(ctx, a, rows, official, q.AsOf); err != nil {
		return listed{}, err
	}
	if s.access != nil && len(p.views) > 0 {
		ids := make([]string, len(p.views))
		for i, v := range p.views {
			ids[i] = v.c.ID
		}
		s.access.RecordMany(ctx, a, ids, a.Shelter, AccessList)
	}
	return p, nil
}

// listStamp is what a page needs of a case to find its kept view: far
// smaller than a row, which the list allocated fifty-one of per page.
type listStamp struct {
	ID, Reference, AssigneeNow string
	Version, FactsRev          int
}

// splitStamps parses the joined stamps of a list page (listPage); a case's
// assignee is effective when among the shelter's active users.
func splitStamps(joined string, active []string, max int) ([]listStamp, error) {
	rows := make([]listStamp, 0, max)
	err := splitJoined(joined, 5, func(f []string) error {
		r := listStamp{ID: f[0], Reference: f[1]}
		if f[4] != "" && slices.Contains(active, f[4]) {
			r.AssigneeNow = f[4]
		}
		var err error
		if r.Version, err = strconv.Atoi(f[2]); err != nil {
			return fmt.Errorf("version of %s: %w", r.ID, err)
		}
		if r.FactsRev, err = strconv.Atoi(f[3]); err != nil {
			return fmt.Errorf("facts revision of %s: %w", r.ID, err)
		}
		rows = append(rows, r)
		return nil
	})
	return rows, err
}

// splitJoined calls each with the fields of every row of a string the
// database joined (fields by unit separators, rows by record separators,
// as listPage and deadlines ask), refusing a row without exactly n fields:
// a malformed string is an error, never a short page. The ids, references,
// numbers, names, kinds, dates and states joined hold neither separator.
// f is reused from row to row.
func splitJoined(joined string, n int, each func(f []string) error) error {
	if joined == "" {
		return nil
	}
	f := make([]string, 0, n)
	for item := range strings.SplitSeq(joined, "\x1e") {
		f = f[:0]
		for field := range strings.SplitSeq(item, "\x1f") {
			if len(f) == n {
				return fmt.Errorf("row %q: want %d fields", item, n)
			}
			f = append(f, field)
		}
		if len(f) != n {
			return fmt.Errorf("row %q: want %d fields", item, n)
		}
		if err := each(f); err != nil {
			return err
		}
	}
	return nil
}

// checkFilters checks the filters the API list and the web search share:
// state, proceedings, rule, severity and the search text (field "q").
func checkFilters(f *apperr.Fields, state, proceedings, rule, severity, text string) {
	if state != "" && !isOneOf(State(state), eligibility.States()...) {
		f.AddCode("state", apperr.CodeUnknownValue, "unknown state %q", state)
	}
	if proceedings != "" && !slices.Contains(eligibility.AllProceedings(), Proceedings(proceedings)) {
		f.AddCode("proceedings", apperr.CodeUnknownValue, "unknown proceedings state %q", proceedings)
	}
	if rule != "" && !isRule(rule) {
		rules := eligibility.Rules()
		f.AddCode("rule", apperr.CodeUnknownValue, "want a rule id %s to %s", rules[0].ID, rules[len(rules)-1].ID)
	}
	if severity != "" && !contains([]string{"critical", "high", "medium", "info"}, severity) {
		f.AddCode("severity", apperr.CodeUnknownValue, "want critical, high, medium or info")
	}
	if len(text) > 400 {
		f.Add("q", "at most 400 characters")
	} else if !utf8.ValidString(text) || strings.ContainsRune(text, 0) {
		f.Add("q", "want UTF-8 text without NUL characters")
	}
}

func (s *Service) official(db *gorm.DB, shelterID string) (bool, error) {
	var official bool
	if err := db.Table("shelters").Select("official_nrm").Where("id = ?", shelterID).Scan(&official).Error; err != nil {
		return false, fmt.Errorf("cases: shelter %s: %w", shelterID, err)
	}
	return official, nil
}

// DeadlineItem is one row of the deadline board (docs/api.md "Deadlines").
type DeadlineItem struct {
	CaseID    string               `json:"case_id"`
	Reference string               `json:"reference"`
	Kind      string               `json:"kind"`
	DueOn     Date                 `json:"due_on"`
	DaysLeft  int                  `json:"days_left"`
	Severity  eligibility.Severity `json:"severity"`
	State     State                `json:"state"`
	// Rule is the flag's rule when Kind is "flag", else "" (left out).
	Rule string `json:"rule,omitempty"`
}

// DeadlinePage is the answer of GET /deadlines.
type DeadlinePage struct {
	AsOf       Date           `json:"as_of"`
	Items      []DeadlineItem `json:"items"`
	NextCursor string         `json:"next_cursor"`
}

func (d DeadlineItem) key() string {
	return d.DueOn.String() + "|" + d.Reference + "|" + storedKind(eligibility.Deadline{Kind: d.Kind, Rule: d.Rule})
}

// Deadlines lists every deadline of the actor's shelter with days_left ≤
// within (overdue ones included), sorted by due_on, reference, kind.
func (s *Service) Deadlines(ctx context.Context, a auth.Actor, within int, asOf Date, limit int, cursor string) (DeadlinePage, error) {
	return s.deadlines(ctx, a, within, asOf, limit, cursor, false)
}

// AllDeadlines is Deadlines with the due dates that flags carry (kind
// "flag" with its rule): the UI's board, the calendar feed and the work
// list show them; the API's board keeps the NRM deadlines of its contract.
func (s *Service) AllDeadlines(ctx context.Context, a auth.Actor, within int, asOf Date, limit int, cursor string) (DeadlinePage, error) {
	return s.deadlines(ctx, a, within, asOf, limit, cursor, true)
}

func (s *Service) deadlines(ctx context.Context, a auth.Actor, within int, asOf Date, limit int, cursor string, flags bool) (DeadlinePage, error) {
	if err := forbidCaseFiles(a); err != nil {
		return DeadlinePage{}, err
	}
	var f apperr.Fields
	if within < 0 || within > 3660 {
		f.Add("within", "want a number of days from 0 to 3660")
	}
	checkLimit(&f, &limit)
	after := decodeCursor(&f, cursor)
	if after != "" && strings.Count(after, "|") != 2 {
		f.Add("cursor", "not a cursor returned by this list; start again without it")
	}
	if err := f.Err(); err != nil {
		return DeadlinePage{}, err
	}
	if asOf.IsZero() {
		asOf = s.Today()
	}
	until := asOf.AddDays(within).String()
	db := s.db.Read.WithContext(ctx)
	// The rows carry the case's reference and state: the page is read
	// from the index alone, in its order (migration 0018), by a statement
	// written by hand and kept prepared (readstmts.go). They come back
	// joined into one string, as a list page's stamps do (listPage): 51
	// rows scanned one by one through the driver were half of the board's
	// CPU at 100k cases (docs/performance.md "Sixth pass"). The joined rows
	// are in no particular order; they are sorted here.
	agg := "group_concat(concat_ws(char(31), case_id, reference, kind, due_on, state), char(30))"
	if s.db.Read.Dialector.Name() == "postgres" {
		agg = "string_agg(case_id || chr(31) || reference || chr(31) || kind || chr(31) || due_on || chr(31) || state, chr(30))"
	}
	var sq strings.Builder
	s.reads.init(s.db.Read)
	sq.WriteString("SELECT " + agg + " FROM (SELECT case_id, reference, kind, due_on, state FROM case_deadlines WHERE shelter_id = " + s.reads.planStable() + " AND due_on <= ?")
	args := []any{a.Shelter, until}
	if !flags {
		// Flags' due dates are stored under their rule id (R..): NRM kinds
		// are lower case, and both engines compare case-sensitively here.
		sq.WriteString(" AND substr(kind, 1, 1) <> 'R'")
	}
	if after != "" {
		p := strings.SplitN(after, "|", 3)
		sq.WriteString(" AND (due_on > ? OR (due_on = ? AND (reference > ? OR (reference = ? AND kind > ?))))")
		args = append(args, p[0], p[0], p[1], p[1], p[2])
	}
	sq.WriteString(" ORDER BY due_on, reference, kind" + limitClause(limit+1) + ") AS page")
	var joined sql.NullString
	err := s.reads.query(ctx, sq.String(), args, func(rs *sql.Rows) error { return rs.Scan(&joined) })
	if err != nil {
		return DeadlinePage{}, fmt.Errorf("cases: deadlines: %w", err)
	}
	stored, err := splitDeadlines(joined.String, limit+1)
	if err != nil {
		return DeadlinePage{}, fmt.Errorf("cases: deadlines: %w", err)
	}
	items := make([]DeadlineItem, 0, len(stored))
	for _, r := range stored {
		due, err := eligibility.ParseDate(r.DueOn)
		if err != nil {
			return DeadlinePage{}, fmt.Errorf("cases: stored deadline of %s: %w", r.CaseID, err)
		}
		items = append(items, s.deadlineItem(r.CaseID, r.Reference, r.Kind, due, State(r.State), asOf).fromStored())
	}
	// The 18th birthdays are not stored as dates (majority.go). A page
	// holds at most limit items, and limit+1 stored ones fall on or before
	// the last stored date read: a birthday after that date cannot be on
	// this page, so only the months up to it are read. On a large shelter
	// the page is full of earlier deadlines and no birthday is read at all,
	// which keeps the board flat in the number of cases.
	end := asOf.AddDays(within)
	if len(items) > limit {
		last := items[0].DueOn
		for _, it := range items[1:] {
			if it.DueOn.After(last) {
				last = it.DueOn
			}
		}
		if last.Before(end) {
			end = last
		}
	}
	majority, err := s.majorityDeadlines(db, a.Shelter, asOf, end)
	if err != nil {
		return DeadlinePage{}, err
	}
	for _, m := range majority {
		if after == "" || m.key() > after {
			items = append(items, m)
		}
	}
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.DueOn != b.DueOn {
			return a.DueOn.Before(b.DueOn)
		}
		if a.Reference != b.Reference {
			return a.Reference < b.Reference
		}
		return a.key() < b.key()
	})
	page := DeadlinePage{AsOf: asOf, Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		page.NextCursor = encodeCursor(page.Items[limit-1].key())
	}
	return page, nil
}

// storedDeadline is a row of the board's page (case_deadlines).
type storedDeadline struct{ CaseID, Reference, Kind, DueOn, State string }

// splitDeadlines parses the joined rows of a board page (deadlines).
func splitDeadlines(joined string, max int) ([]storedDeadline, error) {
	rows := make([]storedDeadline, 0, max)
	err := splitJoined(joined, 5, func(f []string) error {
		rows = append(rows, storedDeadline{CaseID: f[0], Reference: f[1], Kind: f[2], DueOn: f[3], State: f[4]})
		return nil
	})
	return rows, err
}

func (s *Service) deadlineItem(caseID, ref, kind string, due Date, state State, asOf Date) DeadlineItem {
	left := asOf.DaysUntil(due)
	return DeadlineItem{CaseID: caseID, Reference: ref, Kind: kind, DueOn: due, DaysLeft: left,
		Severity: s.settings.SeverityFor(left), State: state}
}

// RefreshFlags re-evaluates the stored flags and deadlines of every open
// case as of today (the rules depend on the date); the server runs it once
// a day. It returns how many cases it refreshed.
func (s *Service) RefreshFlags(ctx context.Context) (int, error) {
	today := s.Today()
	var ids []string
	if err := s.db.Read.WithContext(ctx).Model(&row{}).Where("state <> ?", string(eligibility.StateClosed)).
		Order("id").Pluck("id", &ids).Error; err != nil {
		return 0, fmt.Errorf("cases: refresh: %w", err)
	}
	n := 0
	for start := 0; start < len(ids); start += 200 {
		end := min(start+200, len(ids))
		done := 0
		err := s.db.Tx(ctx, func(tx *gorm.DB) error {
			done = 0 // Tx may run this again after a deadlock
			// Lock the rows, in id order, as a change does: a concurrent
			// event waits or is waited for, and its flags are never
			// overwritten with ones computed from the state it replaced.
			// Of the identity, only the date of birth is read (the rules
			// need it); the names stay sealed.
			var rows []row
			if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
				Select("id, shelter_id, state, proceedings, identified_on, last_event_on, data_key, date_of_birth_enc, "+
					"gender, nationality, unaccompanied_minor, exploitation, facts, "+
					"(SELECT official_nrm FROM shelters WHERE shelters.id = cases.shelter_id) AS shelter_official").
				Where("id IN ?", ids[start:end]).Order("id").Find(&rows).Error; err != nil {
				return err
			}
			for i := range rows {
				r := &rows[i]
				id, _, err := r.open(s.keys)
				if err != nil {
					return err
				}
				nc, err := r.nrm(id, r.ShelterOfficial)
				if err != nil {
					return err
				}
				if err := saveDerived(tx, r.ID, r.ShelterID, nc, today, s.settings); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("cases: refresh: %w", err)
		}
		n += done
	}
	return n, nil
}
