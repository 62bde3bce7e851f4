package orgs

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
)

// RequestTransfer asks another shelter to take over a case of the actor's
// shelter, as request_transfer. It needs an active share_with_shelter
// consent that names that shelter or no recipient (409), and no other
// pending transfer of the case (409).
func (s *Service) RequestTransfer(ctx context.Context, a auth.Actor, caseID, toShelter, reason string) (Transfer, error) {
	today := s.today()
	var f apperr.Fields
	if toShelter == "" {
		f.AddCode("to_shelter", apperr.CodeRequired, "required: the id of the receiving shelter")
	}
	oneOf(&f, "reason", reason, TransferReasons)
	var out Transfer
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		l, err := s.cases.Lock(tx, a, caseID)
		if err != nil {
			return err
		}
		if toShelter != "" {
			var n int64
			if err := tx.Table("shelters").Where("id = ?", toShelter).Count(&n).Error; err != nil {
				return fmt.Errorf("orgs: shelter: %w", err)
			}
			switch {
			case n == 0:
				f.AddCode("to_shelter", apperr.CodeUnknownValue, "no shelter with id %q", toShelter)
			case toShelter == l.Shelter():
				f.Add("to_shelter", "the case is already in shelter %s", toShelter)
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		ok, err := hasConsent(tx, l.ID(), "share_with_shelter", toShelter, today)
		if err != nil {
			return err
		}
		if !ok {
			return consentMissing("share_with_shelter", toShelter)
		}
		var pending int64
		if err := tx.Table("transfers").Where("case_id = ? AND status = ?", l.ID(), TransferPending).Count(&pending).Error; err != nil {
			return fmt.Errorf("orgs: pending transfers: %w", err)
		}
		if pending > 0 {
			return apperr.Conflictf("this case already has a pending transfer: cancel it first")
		}
		r := transferRow{ID: uuid.NewString(), CaseID: l.ID(), Reference: l.Reference(), FromShelter: l.Shelter(),
			ToShelter: toShelter, Reason: reason, Status: TransferPending, RequestedBy: a.Username,
			RequestedAt: s.now().UTC()}
		if err := tx.Create(&r).Error; err != nil {
			return fmt.Errorf("orgs: store transfer: %w", err)
		}
		if err := s.cases.Append(tx, a, l, "request_transfer", today, r.data()); err != nil {
			return err
		}
		out = r.view()
		return nil
	})
	return out, err
}
