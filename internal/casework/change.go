package casework

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
)

// The one path of every change of a case's casework: one transaction with
// the case row locked (cases.Service.ChangeCasework), the free text sealed
// with the case's data key, and one record on the audit chain that holds
// the text's keyed digest, never the text.

// change is one change of a case's casework, inside its transaction.
type change struct {
	s   *Service
	tx  *gorm.DB
	cf  cases.CaseFile
	add cases.AppendFunc
	// digest is the keyed digest of the first free text sealed: what the
	// chain record keeps of it.
	digest string
}

// changeCase runs fn as one change of the casework of caseID and returns
// what fn returns.
func changeCase[T any](ctx context.Context, s *Service, a auth.Actor, caseID string, fn func(ch *change) (T, error)) (T, error) {
	var out T
	err := s.cases.ChangeCasework(ctx, a, caseID, func(tx *gorm.DB, cf cases.CaseFile, add cases.AppendFunc) error {
		var err error
		out, err = fn(&change{s: s, tx: tx, cf: cf, add: add})
		return err
	})
	return out, err
}

// seal seals a free text of the case under field. A case whose identity
// was erased takes no free text any more (409).
func (ch *change) seal(field, text string) ([]byte, error) {
	if ch.cf.Erased {
		return nil, errErased
	}
	ct, err := seal(ch.cf, field, text)
	if err != nil {
		return nil, err
	}
	if ch.digest == "" {
		ch.digest = ch.s.cases.NoteDigest(text)
	}
	return ct, nil
}

// record appends event about the case to the audit chain, with data and
// the digest of the text sealed; it returns the record's seq.
func (ch *change) record(event string, on Date, data map[string]any) (int64, error) {
	return ch.add(event, on, data, ch.digest)
}

// table is a casework table whose rows are changed in place (tasks, the
// services of the case plan).
type table struct {
	name    string // case_tasks
	columns string // the columns its row type scans
	what    string // task: the noun of its 404
}

// row is a stored casework row as changeRow needs it: *R stamps its
// updated_at and R makes the API view V.
type row[R, V any] interface {
	*R
	stamp(now time.Time)
	view(cf cases.CaseFile) (V, error)
}

// rowChange is what an edit makes of a row: the names of the changed
// fields (none: nothing is written), the columns to write, and the chain
// record's event and data (changeRow adds the fields).
type rowChange struct {
	fields []string
	set    map[string]any
	event  string
	data   map[string]any
}

// changeRow changes the row id of t in one change of its case: the row is
// loaded under the case's lock, edit validates and applies the change
// (sealing its free text with ch.seal), and what it changed is written,
// stamped, and recorded on the chain. A row that does not exist, or whose
// case the actor cannot see, is 404.
func changeRow[R, V any, P row[R, V]](ctx context.Context, s *Service, a auth.Actor, t table, id string, edit func(ch *change, r P) (rowChange, error)) (V, error) {
	var zero V
	notFound := apperr.NotFoundf("no such %s", t.what)
	if _, err := uuid.Parse(id); err != nil {
		return zero, notFound
	}
	var caseIDs []string
	if err := s.cases.ReadDB(ctx).Table(t.name).Where("id = ?", id).Pluck("case_id", &caseIDs).Error; err != nil {
		return zero, fmt.Errorf("casework: %s %s: %w", t.what, id, err)
	}
	if len(caseIDs) == 0 {
		return zero, notFound
	}
	return changeCase(ctx, s, a, caseIDs[0], func(ch *change) (V, error) {
		var rows []R
		if err := ch.tx.Raw("SELECT "+t.columns+" FROM "+t.name+" WHERE id = ? AND case_id = ?", id, ch.cf.ID).Scan(&rows).Error; err != nil {
			return zero, fmt.Errorf("casework: load %s: %w", t.what, err)
		}
		if len(rows) == 0 {
			return zero, notFound
		}
		r := P(&rows[0])
		c, err := edit(ch, r)
		if err != nil {
			return zero, err
		}
		if len(c.fields) > 0 {
			now := s.now().UTC()
			r.stamp(now)
			c.set["updated_at"] = now
			if err := ch.tx.Table(t.name).Where("id = ?", id).Updates(c.set).Error; err != nil {
				return zero, fmt.Errorf("casework: update %s: %w", t.what, err)
			}
			c.data["fields"] = c.fields
			if _, err := ch.record(c.event, s.today(), c.data); err != nil {
				return zero, err
			}
		}
		return r.view(ch.cf)
	})
}

// viewer is a stored casework row that makes its API view V.
type viewer[V any] interface {
	view(cf cases.CaseFile) (V, error)
}

// listRows reads a case's rows with query (its one argument the case id)
// and views each; the read is in the read-access log under action.
func listRows[R viewer[V], V any](ctx context.Context, s *Service, a auth.Actor, caseID, action, query string) ([]V, error) {
	cf, db, err := s.cases.ReadCasework(ctx, a, caseID, action)
	if err != nil {
		return nil, err
	}
	var rows []R
	if err := db.Raw(query, cf.ID).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("casework: %s: %w", action, err)
	}
	out := make([]V, 0, len(rows))
	for _, r := range rows {
		v, err := r.view(cf)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
