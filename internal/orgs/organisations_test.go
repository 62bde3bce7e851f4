package orgs_test

import (
	"context"
	"testing"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/orgs"
)

// TestOrganisationDirectory checks what an admin sees of the directory:
// a creation and a change are stored and recorded once each, a taken id
// is 409 on id, a change of nothing writes nothing, an unknown id is 404
// and a caseworker is refused.
func TestOrganisationDirectory(t *testing.T) {
	env := apptest.New(t, nil)
	ctx := context.Background()
	admin := env.AddUser(t, "admin", auth.RoleAdmin, "")
	cw := env.AddUser(t, "cw", auth.RoleCaseworker, "payoke")
	head := func() int64 {
		n, _, err := audit.Head(env.DB.Read)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	start := head()
	o, err := env.Orgs.CreateOrganisation(ctx, admin, orgs.Organisation{ID: "lawyers-bxl", Name: " Lawyers ", Kind: "lawyer"})
	if err != nil || o.Name != "Lawyers" || o.CreatedAt.IsZero() || !o.UpdatedAt.Equal(o.CreatedAt) {
		t.Fatalf("create: got %+v, %v", o, err)
	}
	if got := head(); got != start+1 {
		t.Errorf("audit head after a creation: got %d, want %d", got, start+1)
	}
	_, err = env.Orgs.CreateOrganisation(ctx, admin, orgs.Organisation{ID: "lawyers-bxl", Name: "Again", Kind: "lawyer"})
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.Conflict || len(e.Fields) != 1 || e.Fields[0].Field != "id" || e.Fields[0].Code != apperr.CodeTaken {
		t.Errorf("a taken id: got %v, want 409 on id (taken)", err)
	}
	if _, err := env.Orgs.CreateOrganisation(ctx, cw, orgs.Organisation{ID: "x1", Name: "X", Kind: "other"}); apperr.KindOf(err) != apperr.Forbidden {
		t.Errorf("a caseworker creates: got %v, want forbidden", err)
	}

	name, nrm := "Lawyers Brussels", true
	before := head()
	o, err = env.Orgs.UpdateOrganisation(ctx, admin, "lawyers-bxl", orgs.OrganisationPatch{Name: &name, OfficialNRM: &nrm})
	if err != nil || o.Name != name || !o.OfficialNRM || o.Kind != "lawyer" {
		t.Fatalf("update: got %+v, %v", o, err)
	}
	list, err := env.Orgs.Organisations(ctx)
	if err != nil || len(list) != 1 || list[0].Name != name || !list[0].OfficialNRM || !list[0].UpdatedAt.Equal(o.UpdatedAt) {
		t.Errorf("directory after the update: got %+v, %v", list, err)
	}
	if got := head(); got != before+1 {
		t.Errorf("audit head after an update: got %d, want %d", got, before+1)
	}
	if _, err := env.Orgs.UpdateOrganisation(ctx, admin, "lawyers-bxl", orgs.OrganisationPatch{Name: &name}); err != nil || head() != before+1 {
		t.Errorf("an update that changes nothing: got %v and %d records, want none", err, head()-before-1)
	}
	bad := "bank"
	if _, err := env.Orgs.UpdateOrganisation(ctx, admin, "lawyers-bxl", orgs.OrganisationPatch{Kind: &bad}); apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("an unknown kind: got %v, want invalid", err)
	}
	if _, err := env.Orgs.UpdateOrganisation(ctx, admin, "nowhere", orgs.OrganisationPatch{Name: &name}); apperr.KindOf(err) != apperr.NotFound {
		t.Errorf("an unknown organisation: got %v, want not found", err)
	}
}
