// Package directory holds what the two directories that admins keep have
// in common: the shelters (internal/shelter) and the partner
// organisations (internal/orgs). An entry is created once under an id
// that never changes, and changed field by field; each creation or change
// is one transaction with its record on the audit chain.
package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/store"
)

// Entry is a row of a directory table (a GORM model): *T stamps its
// created_at and updated_at.
type Entry[T any] interface {
	*T
	// Stamp sets UpdatedAt to now, and CreatedAt when it is zero.
	Stamp(now time.Time)
}

// Act is the audit record of a creation or a change: its event, the
// shelter it concerns ("" for none) and its data, which holds no free
// text.
type Act struct {
	Event   string
	Shelter string
	Data    map[string]any
}

// Dir is one directory: its table's row type T.
type Dir[T any, P Entry[T]] struct {
	DB  *store.DB
	Now func() time.Time
	// What names an entry in errors ("shelter", "organisation").
	What string
	// Columns are the columns a change writes, besides updated_at.
	Columns []string
}

// Taken is the check for a key already in use: rows matching Where (with
// Args) make the creation a 409 that names the field id with Message.
type Taken struct {
	Where   string
	Args    []any
	Message string // the problem's
	Field   string // the id field's
}

// Create stores entry, stamped, with the record of act in one
// transaction; a key in use (taken) is a 409. The caller has checked the
// actor's role and the entry's fields.
func (d Dir[T, P]) Create(ctx context.Context, a auth.Actor, entry P, taken Taken, act Act) error {
	return d.DB.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(entry).Where(taken.Where, taken.Args...).Count(&n).Error; err != nil {
			return fmt.Errorf("directory: check the %s's id: %w", d.What, err)
		}
		if n > 0 {
			return &apperr.Error{Kind: apperr.Conflict, Message: taken.Message,
				Fields: []apperr.FieldError{{Field: "id", Message: taken.Field, Code: apperr.CodeTaken}}}
		}
		now := d.Now().UTC()
		entry.Stamp(now)
		if err := tx.Create(entry).Error; err != nil {
			return fmt.Errorf("directory: create %s: %w", d.What, err)
		}
		return record(tx, a, now, act)
	})
}

// Update changes the entry id in one transaction. It is loaded locked, so
// that concurrent changes (several servers) each start from the other's
// result; change applies the patch and validates it, and returns the
// names of the fields that changed. When some did, the entry is saved,
// stamped, with the record act makes of it. An unknown id is 404.
func (d Dir[T, P]) Update(ctx context.Context, a auth.Actor, id string, change func(e P) ([]string, error), act func(e P, changed []string) Act) (T, error) {
	var e T
	err := d.DB.Tx(ctx, func(tx *gorm.DB) error {
		err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Where("id = ?", id).Take(&e).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return apperr.NotFoundf("no %s %q", d.What, id)
		} else if err != nil {
			return fmt.Errorf("directory: load %s %s: %w", d.What, id, err)
		}
		changed, err := change(&e)
		if err != nil || len(changed) == 0 {
			return err
		}
		now := d.Now().UTC()
		P(&e).Stamp(now)
		if err := tx.Select(append(slices.Clip(d.Columns), "updated_at")).Save(&e).Error; err != nil {
			return fmt.Errorf("directory: update %s %s: %w", d.What, id, err)
		}
		return record(tx, a, now, act(&e, changed))
	})
	return e, err
}

func record(tx *gorm.DB, a auth.Actor, now time.Time, act Act) error {
	_, err := audit.AppendAct(tx, now, a.Username, string(a.Role), act.Event, act.Shelter, eligibility.Version, act.Data)
	return err
}
