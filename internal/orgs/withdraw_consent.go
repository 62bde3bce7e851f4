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

// WithdrawConsent records that a consent was withdrawn on a date, as
// withdraw_consent: from then on it no longer allows sharing (409 when it
// was already withdrawn).
func (s *Service) WithdrawConsent(ctx context.Context, a auth.Actor, caseID, consentID, withdrawnOn string) (Consent, error) {
	today := s.today()
	var f apperr.Fields
	on := date(&f, "withdrawn_on", withdrawnOn, true, today)
	var out Consent
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		l, err := s.cases.Lock(tx, a, caseID)
		if err != nil {
			return err
		}
		var r consentRow
		err = tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
			Where("id = ? AND case_id = ?", consentID, l.ID()).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return apperr.NotFoundf("no such consent on this case")
		} else if err != nil {
			return fmt.Errorf("orgs: consent %s: %w", consentID, err)
		}
		if ferr := f.Err(); ferr != nil {
			return ferr
		}
		if r.WithdrawnOn != "" {
			return apperr.Conflictf("this consent was already withdrawn on %s", r.WithdrawnOn)
		}
		if on.String() < r.GivenOn {
			return apperr.Field("withdrawn_on", "must not be before the consent was given (%s)", r.GivenOn)
		}
		r.WithdrawnOn = on.String()
		if err := tx.Model(&r).Update("withdrawn_on", r.WithdrawnOn).Error; err != nil {
			return fmt.Errorf("orgs: withdraw consent: %w", err)
		}
		data := map[string]any{"consent_id": r.ID, "scope": r.Scope, "recipient": r.Recipient}
		if err := s.cases.Append(tx, a, l, "withdraw_consent", on, data); err != nil {
			return err
		}
		out = r.view(today)
		return nil
	})
	return out, err
}
