package orgs

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/directory"
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
	taken := directory.Taken{Where: "id = ?", Args: []any{o.ID}, Message: "an organisation with this id exists", Field: "already in use"}
	act := directory.Act{Event: "create_organisation", Data: map[string]any{"organisation": o.ID, "kind": o.Kind, "official_nrm": o.OfficialNRM}}
	err := s.dir().Create(ctx, a, &o, taken, act)
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
	return s.dir().Update(ctx, a, id, func(o *Organisation) ([]string, error) {
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
		return changed, f.Err()
	}, func(o *Organisation, changed []string) directory.Act {
		return directory.Act{Event: "update_organisation", Data: map[string]any{"organisation": o.ID, "fields": changed}}
	})
}

// dir is the partner organisations as a directory; an update writes name,
// kind and official_nrm (the id never changes).
func (s *Service) dir() directory.Dir[Organisation, *Organisation] {
	return directory.Dir[Organisation, *Organisation]{DB: s.db, Now: s.now, What: "organisation",
		Columns: []string{"name", "kind", "official_nrm"}}
}

// Stamp sets UpdatedAt, and CreatedAt when zero (directory.Entry).
func (o *Organisation) Stamp(now time.Time) {
	if o.CreatedAt.IsZero() {
		o.CreatedAt = now
	}
	o.UpdatedAt = now
}
