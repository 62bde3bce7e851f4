package orgs

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// NewConsent is the input of RecordConsent (POST /cases/{id}/consents).
type NewConsent struct {
	Scope, Recipient, GivenOn, GivenBy, Method, ExpiresOn string
}

// RecordConsent records a consent of the victim (or their guardian) on a
// case of the actor's shelter, as record_consent. An unaccompanied minor's
// consent is given by the guardian (422 on given_by otherwise).
func (s *Service) RecordConsent(ctx context.Context, a auth.Actor, caseID string, in NewConsent) (Consent, error) {
	today := s.today()
	var f apperr.Fields
	oneOf(&f, "scope", in.Scope, ConsentScopes)
	oneOf(&f, "given_by", in.GivenBy, ConsentGivers)
	oneOf(&f, "method", in.Method, ConsentMethods)
	given := date(&f, "given_on", in.GivenOn, true, today)
	expires := date(&f, "expires_on", in.ExpiresOn, false, eligibility.Date{})
	if !expires.IsZero() && !given.IsZero() && !expires.After(given) {
		f.Add("expires_on", "must be after given_on (%s)", given)
	}
	var out Consent
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		l, err := s.cases.Lock(tx, a, caseID)
		if err != nil {
			return err
		}
		if in.Recipient != "" && slices.Contains(ConsentScopes, in.Scope) {
			if err := checkRecipient(tx, &f, in.Scope, in.Recipient); err != nil {
				return err
			}
		}
		if in.GivenBy == "victim" && !given.IsZero() {
			minor, err := s.cases.UnaccompaniedMinorOn(l, given)
			if err != nil {
				return err
			}
			if minor {
				f.AddCode("given_by", apperr.CodeUnknownValue,
					"the victim is an unaccompanied minor on %s: their consent is given by the guardian", given)
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		r := consentRow{ID: uuid.NewString(), CaseID: l.ID(), Scope: in.Scope, Recipient: in.Recipient,
			GivenOn: given.String(), GivenBy: in.GivenBy, Method: in.Method, RecordedBy: a.Username,
			CreatedAt: s.now().UTC()}
		if !expires.IsZero() {
			r.ExpiresOn = expires.String()
		}
		if err := tx.Create(&r).Error; err != nil {
			return fmt.Errorf("orgs: store consent: %w", err)
		}
		data := map[string]any{"consent_id": r.ID, "scope": r.Scope, "recipient": r.Recipient,
			"given_by": r.GivenBy, "method": r.Method, "expires_on": r.ExpiresOn}
		if err := s.cases.Append(tx, a, l, "record_consent", given, data); err != nil {
			return err
		}
		out = r.view(today)
		return nil
	})
	return out, err
}

// checkRecipient checks a consent's recipient: a shelter for
// share_with_shelter, a partner organisation for share_with_partner, a
// police organisation for share_with_police; the other scopes name none.
func checkRecipient(tx *gorm.DB, f *apperr.Fields, scope, recipient string) error {
	var q *gorm.DB
	switch scope {
	case "share_with_shelter":
		q = tx.Table("shelters").Where("id = ?", recipient)
	case "share_with_partner":
		q = tx.Table("organisations").Where("id = ? AND kind <> ?", recipient, "police")
	case "share_with_police":
		q = tx.Table("organisations").Where("id = ? AND kind = ?", recipient, "police")
	default:
		f.Add("recipient", "scope %s names no recipient", scope)
		return nil
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return fmt.Errorf("orgs: recipient: %w", err)
	}
	if n == 0 {
		f.AddCode("recipient", apperr.CodeUnknownValue, "no %s with id %q", recipientKind(scope), recipient)
	}
	return nil
}

func recipientKind(scope string) string {
	switch scope {
	case "share_with_shelter":
		return "shelter"
	case "share_with_police":
		return "police organisation"
	}
	return "partner organisation"
}
