package seed

import (
	"context"
	"fmt"

	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
)

// Actor returns the actor that seeds the cases of a shelter: a caseworker
// named seed.<shelter>. It need not exist as a user; it appears in the
// audit records.
func Actor(shelter string) auth.Actor {
	return auth.Actor{Username: "seed." + shelter, Role: auth.RoleCaseworker, Shelter: shelter}
}

// ServicePath writes plans through the case service, one transaction per
// change, exactly as the API does.
type ServicePath struct {
	Cases *cases.Service
}

// Write creates the case of p and records its events. It returns the
// case's id.
func (s ServicePath) Write(ctx context.Context, p Plan) (string, error) {
	a := Actor(p.Shelter)
	c, err := s.Cases.Create(ctx, a, p.Case)
	if err != nil {
		return "", fmt.Errorf("seed: create case: %w", err)
	}
	for i, e := range p.Events {
		in := cases.EventInput{Type: string(e.Type), OccurredOn: e.On.String(), Note: e.Note, Data: e.Data}
		if _, err := s.Cases.RecordEvent(ctx, a, c.ID, in); err != nil {
			return c.ID, fmt.Errorf("seed: case %s event %d (%s on %s): %w", c.Reference, i+1, e.Type, e.On, err)
		}
	}
	return c.ID, nil
}
