package cases_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
)

func givenNames(p cases.SearchPage) string {
	var out []string
	for _, c := range p.Items {
		out = append(out, c.Victim.GivenName)
	}
	return strings.Join(out, ",")
}

// TestSearch checks the web list's search: fragments of names, aliases
// and references match whatever their case and accents, another
// shelter's cases never do, and sorting and paging give the order and
// the total a user sees.
func TestSearch(t *testing.T) {
	f := setup(t)
	other := f.env.AddUser(t, "cw2", auth.RoleCaseworker, "pag-asa")
	grace := f.create(f.cw, victim("Grace", "Okafor", "NG", "2025-01-10"))
	f.env.Clock.Advance(time.Hour)
	zoeIn := victim("Zoé", "Dubois", "CM", "2025-02-10")
	zoeIn.Victim.Alias = "Mama Zee"
	zoe := f.create(f.cw, zoeIn)
	f.env.Clock.Advance(time.Hour)
	ibrahim := f.create(f.cw, victim("Ibrahim", "Diallo", "GN", "2025-03-10"))
	f.create(other, victim("Grace", "Okoro", "NG", "2025-01-11"))
	f.env.Clock.Advance(time.Hour)
	f.record(grace.ID, ev("start_reflection", "2025-06-02", nil))
	// The stored deadlines the window and the deadline sort read: Grace's
	// in 5 days, Zoé's in 25, none for Ibrahim (today is 2025-06-15).
	for _, st := range []struct{ id, due string }{{grace.ID, "2025-06-20"}, {zoe.ID, "2025-07-10"}} {
		if err := f.env.DB.Write.Exec("UPDATE case_deadlines SET due_on = ? WHERE case_id = ?", st.due, st.id).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := f.env.DB.Write.Exec("DELETE FROM case_deadlines WHERE case_id = ?", ibrahim.ID).Error; err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		q    cases.SearchQuery
		want string
		tot  int
	}{
		{"all, newest reference first", cases.SearchQuery{}, "Ibrahim,Zoé,Grace", 3},
		{"partial given name", cases.SearchQuery{Text: "gra"}, "Grace", 1},
		{"partial family name, no accent, any case", cases.SearchQuery{Text: "UBOI"}, "Zoé", 1},
		{"accent typed without", cases.SearchQuery{Text: "zoe d"}, "Zoé", 1},
		{"family name first", cases.SearchQuery{Text: "okafor gr"}, "Grace", 1},
		{"alias", cases.SearchQuery{Text: "zee"}, "Zoé", 1},
		{"reference fragment", cases.SearchQuery{Text: zoe.Reference[len(zoe.Reference)-4:]}, "Zoé", 1},
		{"another shelter's name is never found", cases.SearchQuery{Text: "okoro"}, "", 0},
		{"state filter", cases.SearchQuery{State: "reflection"}, "Grace", 1},
		{"due within 7 days", cases.SearchQuery{Within: 7}, "Grace", 1},
		{"due within 30 days", cases.SearchQuery{Within: 30}, "Zoé,Grace", 2},
		{"sort by reference, oldest first", cases.SearchQuery{Sort: cases.SortReference}, "Grace,Zoé,Ibrahim", 3},
		{"sort by state", cases.SearchQuery{Sort: cases.SortState}, "Ibrahim,Zoé,Grace", 3},
		{"sort by last change, latest first", cases.SearchQuery{Sort: cases.SortChanged, Desc: true}, "Grace,Ibrahim,Zoé", 3},
		{"sort by next deadline", cases.SearchQuery{Sort: cases.SortDeadline}, "Grace,Zoé,Ibrahim", 3},
		{"sort by next deadline, latest first, none last", cases.SearchQuery{Sort: cases.SortDeadline, Desc: true}, "Zoé,Grace,Ibrahim", 3},
		{"second page", cases.SearchQuery{Offset: 1, Limit: 1}, "Zoé", 3},
		{"second page of a search", cases.SearchQuery{Text: "ra", Offset: 1, Limit: 1}, "Grace", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := f.svc.Search(ctx, f.cw, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := givenNames(p); got != tt.want || p.Total != tt.tot {
				t.Fatalf("got %q of %d, want %q of %d", got, p.Total, tt.want, tt.tot)
			}
		})
	}
}

// TestSearchRefuses checks that unknown filter values are field errors.
func TestSearchRefuses(t *testing.T) {
	f := setup(t)
	for _, tt := range []struct {
		field string
		q     cases.SearchQuery
	}{
		{"sort", cases.SearchQuery{Sort: "name"}},
		{"within", cases.SearchQuery{Within: 5}},
		{"rule", cases.SearchQuery{Rule: "R99"}},
		{"page", cases.SearchQuery{Offset: -1}},
	} {
		t.Run(tt.field, func(t *testing.T) {
			_, err := f.svc.Search(ctx, f.cw, tt.q)
			var ae *apperr.Error
			if !errors.As(err, &ae) || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("got %v, want an error on %s", err, tt.field)
			}
		})
	}
}
