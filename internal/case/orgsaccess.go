package cases

import (
	"context"

	"github.com/casemgr/casemgr/internal/auth"
)

// The actions of the read-access log for the reads of package orgs
// (docs/organisations.md): consents, referrals and transfers are about a
// victim, so reading them is logged as reading the case file is.
const (
	AccessConsents  = "consents"  // GET /cases/{id}/consents
	AccessReferrals = "referrals" // GET /cases/{id}/referrals
	AccessTransfer  = "transfer"  // GET /transfers/{id}
)

// ReadVisible is Visible for a read of records about the case kept outside
// its file (consents, referrals): when the actor may see the case, the
// read is recorded under action in the read-access log.
func (s *Service) ReadVisible(ctx context.Context, a auth.Actor, caseID, action string) error {
	if err := forbidCaseFiles(a); err != nil {
		return err
	}
	r, _, err := load(s.db.Read.WithContext(ctx), a, caseID)
	if err != nil {
		return err
	}
	s.recordAccess(ctx, a, r.ID, r.ShelterID, action)
	return nil
}

// RecordRead records in the read-access log a read about case caseID of
// shelter that the caller has already allowed (a transfer, which both the
// sending and the receiving shelter see).
func (s *Service) RecordRead(ctx context.Context, a auth.Actor, caseID, shelter, action string) {
	s.recordAccess(ctx, a, caseID, shelter, action)
}
