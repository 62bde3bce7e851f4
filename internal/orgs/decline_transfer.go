package orgs

import (
	"context"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
)

// DeclineTransfer is the receiving supervisor's no, with a reason (kept
// with the transfer, not in the audit chain: free text), as
// decline_transfer: the case stays where it is.
func (s *Service) DeclineTransfer(ctx context.Context, a auth.Actor, id, reason string) (Transfer, error) {
	var out Transfer
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		r, err := s.receiving(tx, a, id)
		if err != nil {
			return err
		}
		var f apperr.Fields
		text(&f, "reason", reason, true, 500)
		if err := f.Err(); err != nil {
			return err
		}
		l, err := s.cases.LockAny(tx, r.CaseID)
		if err != nil {
			return err
		}
		if err := s.decide(tx, a, &r, TransferDeclined, reason); err != nil {
			return err
		}
		if err := s.cases.Append(tx, a, l, "decline_transfer", s.today(), r.data()); err != nil {
			return err
		}
		out = r.view()
		return nil
	})
	return out, err
}
