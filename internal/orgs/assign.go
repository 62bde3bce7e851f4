package orgs

import (
	"context"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
)

// Assign makes a caseworker of the case's shelter responsible for it (""
// for nobody): supervisors only, recorded as assign_case. It returns the
// case as of today.
func (s *Service) Assign(ctx context.Context, a auth.Actor, caseID, username string) (cases.Case, error) {
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		l, err := s.cases.Lock(tx, a, caseID)
		if err != nil {
			return err
		}
		return s.cases.Assign(tx, a, l, username)
	})
	if err != nil {
		return cases.Case{}, err
	}
	return s.cases.Get(ctx, a, caseID, cases.Date{})
}
