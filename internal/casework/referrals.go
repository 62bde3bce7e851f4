package casework

import (
	"context"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/orgs"
)

// FollowUps lists the referrals to partner organisations still without an
// answer whose follow-up is due within days of asOf (internal/orgs,
// docs/organisations.md "Partner organisations and referrals").
type FollowUps interface {
	FollowUps(ctx context.Context, a auth.Actor, asOf Date, within int) ([]orgs.FollowUpItem, error)
}

// SetFollowUps makes the work list show referral follow-ups (kind
// referral); nil shows none. Call it before the Service is used.
func (s *Service) SetFollowUps(f FollowUps) { s.followUps = f }

// referralItems are the work list's referral follow-ups.
func (s *Service) referralItems(ctx context.Context, a auth.Actor, asOf Date, within int) ([]WorkItem, error) {
	if s.followUps == nil {
		return nil, nil
	}
	fs, err := s.followUps.FollowUps(ctx, a, asOf, within)
	if err != nil {
		return nil, err
	}
	out := make([]WorkItem, 0, len(fs))
	for _, f := range fs {
		out = append(out, WorkItem{Kind: ItemReferral, CaseID: f.CaseID, Reference: f.Reference,
			DueOn: f.DueOn, DaysLeft: f.DaysLeft, Severity: f.Severity})
	}
	return out, nil
}
