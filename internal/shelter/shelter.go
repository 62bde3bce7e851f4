// Package shelter owns the shelters that cases belong to: their id, name,
// city, whether they are an official NRM provider (rule R17), and the
// prefix of their case references. Admins create and change them; every
// change is recorded in the audit chain.
package shelter

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/directory"
	"github.com/casemgr/casemgr/internal/store"
)

// Shelter is a centre that takes in victims.
type Shelter struct {
	ID          string    `gorm:"column:id;primaryKey" json:"id"`
	Name        string    `gorm:"column:name" json:"name"`
	City        string    `gorm:"column:city" json:"city"`
	OfficialNRM bool      `gorm:"column:official_nrm" json:"official_nrm"`
	Prefix      string    `gorm:"column:ref_prefix" json:"prefix"`
	CreatedAt   time.Time `gorm:"column:created_at" json:"-"`
	UpdatedAt   time.Time `gorm:"column:updated_at" json:"-"`
}

// TableName maps Shelter to the shelters table.
func (Shelter) TableName() string { return "shelters" }

// Defaults are the shelters of a new database: the three recognised
// specialised centres.
func Defaults() []Shelter {
	return []Shelter{
		{ID: "payoke", Name: "Payoke", City: "Antwerp", OfficialNRM: true, Prefix: "PAY"},
		{ID: "pag-asa", Name: "PAG-ASA", City: "Brussels", OfficialNRM: true, Prefix: "PAG"},
		{ID: "surya", Name: "Surya", City: "Liège", OfficialNRM: true, Prefix: "SUR"},
	}
}

// Service manages shelters.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// NewService returns a Service with the injected clock.
func NewService(db *store.DB, now func() time.Time) *Service { return &Service{db: db, now: now} }

// List returns every shelter, by id.
func (s *Service) List(ctx context.Context) ([]Shelter, error) {
	var out []Shelter
	if err := s.db.Read.WithContext(ctx).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("shelter: list: %w", err)
	}
	return out, nil
}

// Get returns one shelter.
func (s *Service) Get(ctx context.Context, id string) (Shelter, error) {
	var sh Shelter
	if err := s.db.Read.WithContext(ctx).Where("id = ?", id).Take(&sh).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Shelter{}, apperr.NotFoundf("no shelter %q", id)
		}
		return Shelter{}, fmt.Errorf("shelter: get: %w", err)
	}
	return sh, nil
}

// EnsureDefaults creates the default shelters on a database that has none.
func (s *Service) EnsureDefaults(ctx context.Context) error {
	var n int64
	if err := s.db.Read.WithContext(ctx).Model(&Shelter{}).Count(&n).Error; err != nil {
		return fmt.Errorf("shelter: count: %w", err)
	}
	if n > 0 {
		return nil
	}
	for _, d := range Defaults() {
		// Another server starting at the same time may have created it.
		if _, err := s.Create(ctx, auth.System, d); err != nil && apperr.KindOf(err) != apperr.Conflict {
			return err
		}
	}
	return nil
}

// ValidID reports whether id has the form of a shelter id: 2 to 32
// lowercase letters, digits and hyphens, not starting with a hyphen.
func ValidID(id string) bool { return idPattern.MatchString(id) }

var (
	idPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,31}$`)
	prefixPattern = regexp.MustCompile(`^[A-Z]{2,5}$`)
)

func validate(sh Shelter, f *apperr.Fields) {
	if strings.TrimSpace(sh.Name) == "" {
		f.AddCode("name", apperr.CodeRequired, "required: the shelter's name")
	} else if len(sh.Name) > 200 {
		f.Add("name", "at most 200 characters")
	}
	if len(sh.City) > 100 {
		f.Add("city", "at most 100 characters")
	}
	if !prefixPattern.MatchString(sh.Prefix) {
		f.Add("prefix", "want 2 to 5 upper-case letters, such as PAY")
	}
}

// Create adds a shelter (admins only). An empty prefix becomes the first
// three letters of the id in upper case.
func (s *Service) Create(ctx context.Context, a auth.Actor, sh Shelter) (Shelter, error) {
	if !a.Is(auth.RoleAdmin, auth.RoleSystem) {
		return Shelter{}, apperr.Forbiddenf("only admins manage shelters")
	}
	var f apperr.Fields
	if !idPattern.MatchString(sh.ID) {
		f.Add("id", "use 2 to 32 characters: lower-case letters, digits and '-', such as pag-asa")
	}
	if sh.Prefix == "" {
		p := strings.ToUpper(strings.ReplaceAll(sh.ID, "-", ""))
		if len(p) > 3 {
			p = p[:3]
		}
		sh.Prefix = p
	}
	validate(sh, &f)
	if err := f.Err(); err != nil {
		return Shelter{}, err
	}
	taken := directory.Taken{Where: "id = ? OR ref_prefix = ?", Args: []any{sh.ID, sh.Prefix},
		Message: "a shelter with this id or prefix exists", Field: "id or prefix already in use"}
	act := directory.Act{Event: "create_shelter", Shelter: sh.ID, Data: map[string]any{"official_nrm": sh.OfficialNRM, "prefix": sh.Prefix}}
	err := s.dir().Create(ctx, a, &sh, taken, act)
	return sh, err
}

// Patch is the input of Update; nil fields stay unchanged.
type Patch struct {
	Name        *string
	City        *string
	OfficialNRM *bool
}

// Update changes a shelter (admins only). The id and prefix never change:
// case references already issued carry them.
func (s *Service) Update(ctx context.Context, a auth.Actor, id string, p Patch) (Shelter, error) {
	if !a.Is(auth.RoleAdmin) {
		return Shelter{}, apperr.Forbiddenf("only admins manage shelters")
	}
	return s.dir().Update(ctx, a, id, func(sh *Shelter) ([]string, error) {
		var changed []string
		if p.Name != nil && *p.Name != sh.Name {
			sh.Name, changed = *p.Name, append(changed, "name")
		}
		if p.City != nil && *p.City != sh.City {
			sh.City, changed = *p.City, append(changed, "city")
		}
		if p.OfficialNRM != nil && *p.OfficialNRM != sh.OfficialNRM {
			sh.OfficialNRM, changed = *p.OfficialNRM, append(changed, "official_nrm")
		}
		var f apperr.Fields
		validate(*sh, &f)
		sort.Strings(changed)
		return changed, f.Err()
	}, func(sh *Shelter, changed []string) directory.Act {
		return directory.Act{Event: "update_shelter", Shelter: sh.ID, Data: map[string]any{"fields": changed, "official_nrm": sh.OfficialNRM}}
	})
}

// dir is the shelters as a directory; an update writes name, city and
// official_nrm (the id and prefix never change).
func (s *Service) dir() directory.Dir[Shelter, *Shelter] {
	return directory.Dir[Shelter, *Shelter]{DB: s.db, Now: s.now, What: "shelter", Columns: []string{"name", "city", "official_nrm"}}
}

// Stamp sets UpdatedAt, and CreatedAt when zero (directory.Entry).
func (sh *Shelter) Stamp(now time.Time) {
	if sh.CreatedAt.IsZero() {
		sh.CreatedAt = now
	}
	sh.UpdatedAt = now
}
