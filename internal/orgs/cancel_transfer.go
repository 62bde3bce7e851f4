package orgs

import (
	"context"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
)

// CancelTransfer withdraws a pending transfer, by a caseworker or
// supervisor of the sending shelter, as cancel_transfer.
func (s *Service) CancelTransfer(ctx context.Context, a auth.Actor, id string) (Transfer, error) {
	var out Transfer
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		r, err := loadTransfer(tx, a, id, true)
		if err != nil {
			return err
		}
		if a.Shelter != r.FromShelter {
			return apperr.Forbiddenf("only the sending shelter %s cancels a transfer", r.FromShelter)
		}
		if err := pendingOnly(r); err != nil {
			return err
		}
		l, err := s.cases.Lock(tx, a, r.CaseID)
		if err != nil {
			return err
		}
		if err := s.decide(tx, a, &r, TransferCancelled, ""); err != nil {
			return err
		}
		if err := s.cases.Append(tx, a, l, "cancel_transfer", s.today(), r.data()); err != nil {
			return err
		}
		out = r.view()
		return nil
	})
	return out, err
}
