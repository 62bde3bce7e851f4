package app_test

import (
	"context"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
)

// TestDemoCasesAreAssigned checks that each shelter's demo caseworker
// finds the shelter's demo cases under "my cases", the case list's
// default for caseworkers (docs/organisations.md "Assignment").
func TestDemoCasesAreAssigned(t *testing.T) {
	env := apptest.New(t, nil)
	ctx := context.Background()
	users, err := env.LoadDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Role != auth.RoleCaseworker {
			continue
		}
		a := auth.Actor{Username: u.Username, Role: u.Role, Shelter: u.Shelter}
		mine, err := env.Cases.List(ctx, a, cases.ListQuery{Assignee: "me"})
		if err != nil {
			t.Fatal(err)
		}
		all, err := env.Cases.List(ctx, a, cases.ListQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all.Items) == 0 || len(mine.Items) != len(all.Items) {
			t.Errorf("%s: %d of the shelter's %d demo cases are theirs, want all", u.Username, len(mine.Items), len(all.Items))
		}
	}
}
