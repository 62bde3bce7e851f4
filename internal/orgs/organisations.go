package orgs

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// OrganisationKinds are the kinds of partner organisation.
var OrganisationKinds = []string{"guardianship_service", "lawyer", "asylum_reception", "medical",
	"psychological", "social_service", "police", "other"}

// Organisation is a partner organisation of the directory (table
// organisations): not a shelter, it has no users and sees no case.
type Organisation struct {
	ID          string    `gorm:"column:id;primaryKey" json:"id"`
	Name        string    `gorm:"column:name" json:"name"`
	Kind        string    `gorm:"column:kind" json:"kind"`
	OfficialNRM bool      `gorm:"column:official_nrm" json:"official_nrm"`
	CreatedAt   time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt   time.Time `gorm:"column:updated_at" json:"updated_at"`
}

func (Organisation) TableName() string { return "organisations" }

var orgIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,63}$`)

func (o Organisation) check(f *apperr.Fields) {
	text(f, "name", strings.TrimSpace(o.Name), true, 200)
	oneOf(f, "kind", o.Kind, OrganisationKinds)
}

// Organisations lists the directory by id (every signed-in user: a
// caseworker picks from it).
func (s *Service) Organisations(ctx context.Context) ([]Organisation, error) {
	var out []Organisation
	if err := s.db.Read.WithContext(ctx).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("orgs: organisations: %w", err)
	}
	if out == nil {
		out = []Organisation{}
	}
	return out, nil
}

// CreateOrganisation adds a partner organisation (admins), as
// create_organisation.
func (s *Service) CreateOrganisation(ctx context.Context, a auth.Actor, o Organisation) (Organisation, error) {
	if !a.Is(auth.RoleAdmin) {
		return Organisation{}, apperr.Forbiddenf("only admins manage the directory")
	}
	var f apperr.Fields
	if !orgIDPattern.MatchString(o.ID) {
		f.Add("id", "use 2 to 64 characters: lower-case letters, digits and '-', such as guardianship-brussels")
	}
	o.Name = strings.TrimSpace(o.Name)
	o.check(&f)
	if err := f.Err(); err != nil {
		return Organisation{}, err
	}
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Organisation{}).Where("id = ?", o.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("orgs: check id: %w", err)
		}
		if n > 0 {
			return &apperr.Error{Kind: apperr.Conflict, Message: "an organisation with this id exists",
				Fields: []apperr.FieldError{{Field: "id", Message: "already in use", Code: apperr.CodeTaken}}}
		}
		now := s.now().UTC()
		o.CreatedAt, o.UpdatedAt = now, now
		if err := tx.Create(&o).Error; err != nil {
			return fmt.Errorf("orgs: create organisation: %w", err)
		}
		_, err := audit.AppendAct(tx, now, a.Username, string(a.Role), "create_organisation", "", eligibility.Version,
			map[string]any{"organisation": o.ID, "kind": o.Kind, "official_nrm": o.OfficialNRM})
		return err
	})
	return o, err
}

// OrganisationPatch is the input of UpdateOrganisation; nil stays.
type OrganisationPatch struct {
	Name, Kind  *string
	OfficialNRM *bool
}

// UpdateOrganisation changes a partner organisation (admins; the id never
// changes), as update_organisation.
func (s *Service) UpdateOrganisation(ctx context.Context, a auth.Actor, id string, p OrganisationPatch) (Organisation, error) {
	if !a.Is(auth.RoleAdmin) {
		return Organisation{}, apperr.Forbiddenf("only admins manage the directory")
	}
	var o Organisation
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Where("id = ?", id).Take(&o).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return apperr.NotFoundf("no organisation %q", id)
		} else if err != nil {
			return fmt.Errorf("orgs: organisation %s: %w", id, err)
		}
		var changed []string
		if p.Name != nil && strings.TrimSpace(*p.Name) != o.Name {
			o.Name, changed = strings.TrimSpace(*p.Name), append(changed, "name")
		}
		if p.Kind != nil && *p.Kind != o.Kind {
			o.Kind, changed = *p.Kind, append(changed, "kind")
		}
		if p.OfficialNRM != nil && *p.OfficialNRM != o.OfficialNRM {
			o.OfficialNRM, changed = *p.OfficialNRM, append(changed, "official_nrm")
		}
		var f apperr.Fields
		o.check(&f)
		if err := f.Err(); err != nil {
			return err
		}
		if len(changed) == 0 {
			return nil
		}
		now := s.now().UTC()
		o.UpdatedAt = now
		if err := tx.Select("name", "kind", "official_nrm", "updated_at").Save(&o).Error; err != nil {
			return fmt.Errorf("orgs: update organisation: %w", err)
		}
		_, err = audit.AppendAct(tx, now, a.Username, string(a.Role), "update_organisation", "", eligibility.Version,
			map[string]any{"organisation": o.ID, "fields": changed})
		return err
	})
	return o, err
}
