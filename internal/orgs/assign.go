package orgs

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
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

// Caseworkers lists the usernames of the active caseworkers of the
// actor's shelter: whom a supervisor may assign a case to.
func (s *Service) Caseworkers(ctx context.Context, a auth.Actor) ([]string, error) {
	if !a.WorksOnCases() {
		return nil, apperr.Forbiddenf("only caseworkers and supervisors work on case files")
	}
	var out []string
	if err := s.db.Read.WithContext(ctx).Table("users").Where("shelter_id = ? AND role = ? AND NOT disabled",
		a.Shelter, string(auth.RoleCaseworker)).Order("username").Pluck("username", &out).Error; err != nil {
		return nil, fmt.Errorf("orgs: caseworkers: %w", err)
	}
	return out, nil
}
