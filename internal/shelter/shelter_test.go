package shelter_test

import (
	"context"
	"testing"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/shelter"
)

func TestDefaults(t *testing.T) {
	env := apptest.New(t, nil)
	ctx := context.Background()
	list, err := env.Shelters.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"pag-asa": "PAG", "payoke": "PAY", "surya": "SUR"}
	if len(list) != 3 {
		t.Fatalf("got %d shelters, want 3", len(list))
	}
	for _, sh := range list {
		if want[sh.ID] != sh.Prefix || !sh.OfficialNRM {
			t.Errorf("got %s prefix %s official %v, want prefix %s, official", sh.ID, sh.Prefix, sh.OfficialNRM, want[sh.ID])
		}
	}
	// A second start (or a second server) changes nothing.
	if err := env.Shelters.EnsureDefaults(ctx); err != nil {
		t.Fatalf("EnsureDefaults again: %v", err)
	}
	if again, _ := env.Shelters.List(ctx); len(again) != 3 {
		t.Errorf("got %d shelters after a second EnsureDefaults, want 3", len(again))
	}
}

func TestCreateAndUpdate(t *testing.T) {
	env := apptest.New(t, nil)
	ctx := context.Background()
	admin := env.AddUser(t, "root", auth.RoleAdmin, "")
	cw := env.AddUser(t, "cw", auth.RoleCaseworker, "payoke")
	tests := []struct {
		name   string
		actor  auth.Actor
		in     shelter.Shelter
		want   apperr.Kind
		field  string
		prefix string
	}{
		{"admin creates, prefix derived", admin, shelter.Shelter{ID: "mons-centre", Name: "Mons", City: "Mons"}, 0, "", "MON"},
		{"admin creates with a prefix", admin, shelter.Shelter{ID: "gent", Name: "Gent", Prefix: "GNT", OfficialNRM: false}, 0, "", "GNT"},
		{"caseworker may not", cw, shelter.Shelter{ID: "x1", Name: "X"}, apperr.Forbidden, "", ""},
		{"bad id", admin, shelter.Shelter{ID: "Bad Id", Name: "X"}, apperr.Invalid, "id", ""},
		{"blank name", admin, shelter.Shelter{ID: "blank", Name: "  "}, apperr.Invalid, "name", ""},
		{"bad prefix", admin, shelter.Shelter{ID: "pfx", Name: "P", Prefix: "p1"}, apperr.Invalid, "prefix", ""},
		{"id taken", admin, shelter.Shelter{ID: "payoke", Name: "Again", Prefix: "PYK"}, apperr.Conflict, "id", ""},
		{"prefix taken", admin, shelter.Shelter{ID: "payoke2", Name: "Again", Prefix: "PAY"}, apperr.Conflict, "id", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := env.Shelters.Create(ctx, tt.actor, tt.in)
			if tt.want == 0 {
				if err != nil || got.Prefix != tt.prefix {
					t.Fatalf("got %+v, %v; want prefix %s", got, err, tt.prefix)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Kind != tt.want {
				t.Fatalf("got %v, want kind %v", err, tt.want)
			}
			if tt.field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != tt.field) {
				t.Errorf("got fields %+v, want one naming %s", e.Fields, tt.field)
			}
		})
	}

	head, _, _ := audit.Head(env.DB.Read)
	name, official := "Gent-Centrum", true
	sh, err := env.Shelters.Update(ctx, admin, "gent", shelter.Patch{Name: &name, OfficialNRM: &official})
	if err != nil || sh.Name != name || !sh.OfficialNRM || sh.Prefix != "GNT" {
		t.Fatalf("update: got %+v, %v", sh, err)
	}
	if got, err := env.Shelters.Get(ctx, "gent"); err != nil || got.Name != name || !got.OfficialNRM || got.Prefix != "GNT" {
		t.Errorf("stored after the update: got %+v, %v", got, err)
	}
	after, _, _ := audit.Head(env.DB.Read)
	if after != head+1 {
		t.Errorf("got audit head %d after an update, want %d (one update_shelter record)", after, head+1)
	}
	if _, err := env.Shelters.Update(ctx, admin, "nowhere", shelter.Patch{Name: &name}); apperr.KindOf(err) != apperr.NotFound {
		t.Errorf("update of an unknown shelter: got %v, want not found", err)
	}
	if _, err := env.Shelters.Update(ctx, cw, "gent", shelter.Patch{Name: &name}); apperr.KindOf(err) != apperr.Forbidden {
		t.Errorf("update by a caseworker: got %v, want forbidden", err)
	}
	same := "Gent-Centrum"
	if _, err := env.Shelters.Update(ctx, admin, "gent", shelter.Patch{Name: &same}); err != nil {
		t.Fatal(err)
	}
	if again, _, _ := audit.Head(env.DB.Read); again != after {
		t.Errorf("an update that changes nothing wrote %d audit records, want none", again-after)
	}
}
