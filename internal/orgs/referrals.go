package orgs

import (
	"context"
	"fmt"
	"time"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// Referral statuses (docs/organisations.md "Referrals").
const (
	ReferralPending   = "pending"
	ReferralAccepted  = "accepted"
	ReferralRefused   = "refused"
	ReferralCompleted = "completed"
)

// DeadlineReferralFollowUp is the deadline kind of a referral still
// unanswered: due referral_follow_up_days after referred_on.
const DeadlineReferralFollowUp = "referral_follow_up"

// referralRow is the stored referral (table referrals).
type referralRow struct {
	ID             string    `gorm:"column:id;primaryKey"`
	CaseID         string    `gorm:"column:case_id"`
	OrganisationID string    `gorm:"column:organisation_id"`
	Service        string    `gorm:"column:service"`
	ReferredOn     string    `gorm:"column:referred_on"`
	Status         string    `gorm:"column:status"`
	AnsweredOn     string    `gorm:"column:answered_on"`
	CompletedOn    string    `gorm:"column:completed_on"`
	RecordedBy     string    `gorm:"column:recorded_by"`
	CreatedAt      time.Time `gorm:"column:created_at"`
	UpdatedAt      time.Time `gorm:"column:updated_at"`
}

func (referralRow) TableName() string { return "referrals" }

// FollowUp is the follow-up deadline of an unanswered referral.
type FollowUp struct {
	Kind     string               `json:"kind"`
	DueOn    eligibility.Date     `json:"due_on"`
	DaysLeft int                  `json:"days_left"`
	Severity eligibility.Severity `json:"severity"`
}

// Referral is a referral as the API shows it.
type Referral struct {
	ID           string    `json:"id"`
	CaseID       string    `json:"case_id"`
	Organisation string    `json:"organisation"`
	Service      string    `json:"service"`
	ReferredOn   string    `json:"referred_on"`
	Status       string    `json:"status"`
	AnsweredOn   *string   `json:"answered_on"`
	CompletedOn  *string   `json:"completed_on"`
	FollowUp     *FollowUp `json:"follow_up"`
	RecordedBy   string    `json:"recorded_by"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func (s *Service) referralView(r referralRow, asOf eligibility.Date) Referral {
	out := Referral{ID: r.ID, CaseID: r.CaseID, Organisation: r.OrganisationID, Service: r.Service,
		ReferredOn: r.ReferredOn, Status: r.Status, AnsweredOn: optStr(r.AnsweredOn),
		CompletedOn: optStr(r.CompletedOn), RecordedBy: r.RecordedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.Status == ReferralPending {
		if on, err := eligibility.ParseDate(r.ReferredOn); err == nil {
			fu := s.followUp(on, asOf)
			out.FollowUp = &fu
		}
	}
	return out
}

func (s *Service) followUp(referred, asOf eligibility.Date) FollowUp {
	set := s.cases.Settings()
	due := referred.AddDays(set.ReferralFollowUpDays)
	left := asOf.DaysUntil(due)
	return FollowUp{Kind: DeadlineReferralFollowUp, DueOn: due, DaysLeft: left, Severity: set.SeverityFor(left)}
}

// Referrals lists a case's referrals, oldest first, each pending one with
// its follow-up deadline as of today. The read is in the read-access log.
func (s *Service) Referrals(ctx context.Context, a auth.Actor, caseID string) ([]Referral, error) {
	if err := s.cases.ReadVisible(ctx, a, caseID, cases.AccessReferrals); err != nil {
		return nil, err
	}
	var rows []referralRow
	if err := s.db.Read.WithContext(ctx).Where("case_id = ?", caseID).Order("referred_on, created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("orgs: referrals: %w", err)
	}
	today := s.today()
	out := make([]Referral, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.referralView(r, today))
	}
	return out, nil
}

// FollowUpItem is a referral due for a follow-up, for the work list.
type FollowUpItem struct {
	CaseID       string `json:"case_id"`
	Reference    string `json:"reference"`
	ReferralID   string `json:"referral_id"`
	Organisation string `json:"organisation"`
	FollowUp
}

// FollowUps lists the unanswered referrals of the actor's shelter whose
// follow-up is due within `within` days of asOf (overdue ones included),
// soonest first: the "referral follow-ups" of the work list.
func (s *Service) FollowUps(ctx context.Context, a auth.Actor, asOf eligibility.Date, within int) ([]FollowUpItem, error) {
	if !a.WorksOnCases() {
		return nil, apperr.Forbiddenf("only caseworkers and supervisors work on case files")
	}
	if asOf.IsZero() {
		asOf = s.today()
	}
	cutoff := asOf.AddDays(within - s.cases.Settings().ReferralFollowUpDays)
	var rows []struct {
		ID, CaseID, OrganisationID, ReferredOn, Reference string
	}
	err := s.db.Read.WithContext(ctx).Table("referrals r").
		Select("r.id, r.case_id, r.organisation_id, r.referred_on, c.reference").Joins("JOIN cases c ON c.id = r.case_id").
		Where("c.shelter_id = ? AND r.status = ? AND r.referred_on <= ?", a.Shelter, ReferralPending, cutoff.String()).
		Order("r.referred_on, c.reference, r.id").Limit(1000).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("orgs: follow-ups: %w", err)
	}
	out := make([]FollowUpItem, 0, len(rows))
	for _, r := range rows {
		on, err := eligibility.ParseDate(r.ReferredOn)
		if err != nil {
			return nil, fmt.Errorf("orgs: stored referred_on of %s: %w", r.ID, err)
		}
		out = append(out, FollowUpItem{CaseID: r.CaseID, Reference: r.Reference, ReferralID: r.ID,
			Organisation: r.OrganisationID, FollowUp: s.followUp(on, asOf)})
	}
	return out, nil
}
