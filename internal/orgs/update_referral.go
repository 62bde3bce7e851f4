package orgs

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
)

// referralMoves are the answers a referral may get from each status.
var referralMoves = map[string][]string{
	ReferralPending:  {ReferralAccepted, ReferralRefused, ReferralCompleted},
	ReferralAccepted: {ReferralCompleted},
}

// UpdateReferral records the organisation's answer (accepted, refused) or
// the end of the service (completed) on a date, as update_referral: the
// follow-up deadline goes away once answered. 404 for a referral of
// another shelter's case, 409 for a move its status does not allow.
func (s *Service) UpdateReferral(ctx context.Context, a auth.Actor, id, status, on string) (Referral, error) {
	today := s.today()
	var out Referral
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		var r referralRow
		err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Where("id = ?", id).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return apperr.NotFoundf("no such referral")
		} else if err != nil {
			return fmt.Errorf("orgs: referral %s: %w", id, err)
		}
		l, err := s.cases.Lock(tx, a, r.CaseID)
		if err != nil {
			if k, ok := apperr.As(err); ok && k.Kind == apperr.NotFound {
				return apperr.NotFoundf("no such referral")
			}
			return err
		}
		var f apperr.Fields
		oneOf(&f, "status", status, []string{ReferralAccepted, ReferralRefused, ReferralCompleted})
		d := date(&f, "date", on, true, today)
		if !d.IsZero() && d.String() < r.ReferredOn {
			f.Add("date", "must not be before the referral (%s)", r.ReferredOn)
		}
		if err := f.Err(); err != nil {
			return err
		}
		allowed := false
		for _, m := range referralMoves[r.Status] {
			allowed = allowed || m == status
		}
		if !allowed {
			return apperr.Conflictf("a referral %s cannot become %s", r.Status, status)
		}
		if r.Status == ReferralPending {
			r.AnsweredOn = d.String()
		}
		if status == ReferralCompleted {
			r.CompletedOn = d.String()
		}
		r.Status, r.UpdatedAt = status, s.now().UTC()
		if err := tx.Model(&referralRow{}).Where("id = ?", r.ID).Updates(map[string]any{
			"status": r.Status, "answered_on": r.AnsweredOn, "completed_on": r.CompletedOn, "updated_at": r.UpdatedAt}).Error; err != nil {
			return fmt.Errorf("orgs: update referral: %w", err)
		}
		data := map[string]any{"referral_id": r.ID, "organisation": r.OrganisationID, "status": status}
		if err := s.cases.Append(tx, a, l, "update_referral", d, data); err != nil {
			return err
		}
		out = s.referralView(r, today)
		return nil
	})
	return out, err
}
