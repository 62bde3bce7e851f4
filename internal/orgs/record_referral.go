package orgs

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
)

// NewReferral is the input of RecordReferral.
type NewReferral struct {
	Organisation, Service, ReferredOn string
}

// RecordReferral records that the case was referred to a partner
// organisation, as record_referral. It needs an active consent to share
// with it (share_with_partner, or share_with_police for the police) that
// names it or no recipient (409).
func (s *Service) RecordReferral(ctx context.Context, a auth.Actor, caseID string, in NewReferral) (Referral, error) {
	today := s.today()
	var f apperr.Fields
	if in.Organisation == "" {
		f.AddCode("organisation", apperr.CodeRequired, "required: the id of a partner organisation")
	}
	text(&f, "service", in.Service, true, 200)
	on := date(&f, "referred_on", in.ReferredOn, true, today)
	var out Referral
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		l, err := s.cases.Lock(tx, a, caseID)
		if err != nil {
			return err
		}
		var org Organisation
		if in.Organisation != "" {
			err := tx.Where("id = ?", in.Organisation).Take(&org).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				f.AddCode("organisation", apperr.CodeUnknownValue, "no partner organisation with id %q", in.Organisation)
			} else if err != nil {
				return fmt.Errorf("orgs: organisation: %w", err)
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		scope := "share_with_partner"
		if org.Kind == "police" {
			scope = "share_with_police"
		}
		ok, err := hasConsent(tx, l.ID(), scope, org.ID, on)
		if err != nil {
			return err
		}
		if !ok {
			return consentMissing(scope, org.ID)
		}
		now := s.now().UTC()
		r := referralRow{ID: uuid.NewString(), CaseID: l.ID(), OrganisationID: org.ID, Service: in.Service,
			ReferredOn: on.String(), Status: ReferralPending, RecordedBy: a.Username, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&r).Error; err != nil {
			return fmt.Errorf("orgs: store referral: %w", err)
		}
		data := map[string]any{"referral_id": r.ID, "organisation": org.ID, "kind": org.Kind}
		if err := s.cases.Append(tx, a, l, "record_referral", on, data); err != nil {
			return err
		}
		out = s.referralView(r, today)
		return nil
	})
	return out, err
}
