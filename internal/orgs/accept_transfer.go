package orgs

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
)

// AcceptTransfer is the receiving supervisor's yes, as accept_transfer:
// the case moves to their shelter with its whole history (its reference
// stays) and the sending shelter no longer sees it. The consent is checked
// again: one withdrawn since the request stops the transfer (409).
func (s *Service) AcceptTransfer(ctx context.Context, a auth.Actor, id string) (Transfer, error) {
	var out Transfer
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		r, err := s.receiving(tx, a, id)
		if err != nil {
			return err
		}
		l, err := s.cases.LockAny(tx, r.CaseID)
		if err != nil {
			return err
		}
		if l.Shelter() != r.FromShelter {
			return apperr.Conflictf("the case is no longer in shelter %s", r.FromShelter)
		}
		ok, err := hasConsent(tx, r.CaseID, "share_with_shelter", r.ToShelter, s.today())
		if err != nil {
			return err
		}
		if !ok {
			return apperr.ConflictCode(apperr.CodeConsentLapsed, map[string]string{"shelter": r.ToShelter},
				"the victim's consent to share the case with %s is no longer active", r.ToShelter)
		}
		if err := s.decide(tx, a, &r, TransferAccepted, ""); err != nil {
			return err
		}
		if err := s.cases.MoveShelter(tx, l, r.ToShelter); err != nil {
			return err
		}
		if err := moveCasework(tx, r.CaseID, r.ToShelter); err != nil {
			return err
		}
		if err := s.cases.Append(tx, a, l, "accept_transfer", s.today(), r.data()); err != nil {
			return err
		}
		out = r.view()
		return nil
	})
	return out, err
}

// caseworkTables are the tables of internal/casework that carry the
// case's shelter (for the work list and the service statistics): they
// follow the case.
var caseworkTables = []string{"case_tasks", "case_services", "case_contact_notes", "case_documents"}

func moveCasework(tx *gorm.DB, caseID, to string) error {
	for _, t := range caseworkTables {
		if err := tx.Exec("UPDATE "+t+" SET shelter_id = ? WHERE case_id = ?", to, caseID).Error; err != nil {
			return fmt.Errorf("orgs: move %s of %s: %w", t, caseID, err)
		}
	}
	return nil
}

// receiving loads a pending transfer for its receiving shelter's
// supervisor: 404 outside the two shelters, 403 for anyone else of them,
// 409 once decided.
func (s *Service) receiving(tx *gorm.DB, a auth.Actor, id string) (transferRow, error) {
	r, err := loadTransfer(tx, a, id, true)
	if err != nil {
		return r, err
	}
	if a.Shelter != r.ToShelter || !a.Is(auth.RoleSupervisor) {
		return r, apperr.Forbiddenf("only a supervisor of the receiving shelter %s answers a transfer", r.ToShelter)
	}
	return r, pendingOnly(r)
}
