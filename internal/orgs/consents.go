package orgs

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// Consent scopes, givers and methods (docs/organisations.md "Consents").
var (
	ConsentScopes  = []string{"share_with_shelter", "share_with_partner", "share_with_police", "data_processing", "anonymized_statistics"}
	ConsentGivers  = []string{"victim", "guardian"}
	ConsentMethods = []string{"written", "oral_interpreted"}
)

// The status of a consent as of a date.
const (
	ConsentActive    = "active"
	ConsentExpired   = "expired"
	ConsentWithdrawn = "withdrawn"
)

// consentRow is the stored consent (table consents).
type consentRow struct {
	ID          string    `gorm:"column:id;primaryKey"`
	CaseID      string    `gorm:"column:case_id"`
	Scope       string    `gorm:"column:scope"`
	Recipient   string    `gorm:"column:recipient"`
	GivenOn     string    `gorm:"column:given_on"`
	GivenBy     string    `gorm:"column:given_by"`
	Method      string    `gorm:"column:method"`
	ExpiresOn   string    `gorm:"column:expires_on"`
	WithdrawnOn string    `gorm:"column:withdrawn_on"`
	RecordedBy  string    `gorm:"column:recorded_by"`
	CreatedAt   time.Time `gorm:"column:created_at"`
}

func (consentRow) TableName() string { return "consents" }

// Consent is a consent as the API shows it, with its status as of today.
type Consent struct {
	ID          string    `json:"id"`
	CaseID      string    `json:"case_id"`
	Scope       string    `json:"scope"`
	Recipient   *string   `json:"recipient"`
	GivenOn     string    `json:"given_on"`
	GivenBy     string    `json:"given_by"`
	Method      string    `json:"method"`
	ExpiresOn   *string   `json:"expires_on"`
	WithdrawnOn *string   `json:"withdrawn_on"`
	Status      string    `json:"status"`
	RecordedBy  string    `json:"recorded_by"`
	CreatedAt   time.Time `json:"created_at"`
}

func (r consentRow) view(today eligibility.Date) Consent {
	st := ConsentActive
	switch {
	case r.WithdrawnOn != "":
		st = ConsentWithdrawn
	case r.ExpiresOn != "" && r.ExpiresOn < today.String():
		st = ConsentExpired
	}
	return Consent{ID: r.ID, CaseID: r.CaseID, Scope: r.Scope, Recipient: optStr(r.Recipient),
		GivenOn: r.GivenOn, GivenBy: r.GivenBy, Method: r.Method, ExpiresOn: optStr(r.ExpiresOn),
		WithdrawnOn: optStr(r.WithdrawnOn), Status: st, RecordedBy: r.RecordedBy, CreatedAt: r.CreatedAt}
}

// Consents lists a case's consents, oldest first, with their status as of
// today: the case's own shelter only (404 otherwise). The read is in the
// read-access log.
func (s *Service) Consents(ctx context.Context, a auth.Actor, caseID string) ([]Consent, error) {
	if err := s.cases.ReadVisible(ctx, a, caseID, cases.AccessConsents); err != nil {
		return nil, err
	}
	var rows []consentRow
	if err := s.db.Read.WithContext(ctx).Where("case_id = ?", caseID).Order("given_on, created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("orgs: consents: %w", err)
	}
	today := s.today()
	out := make([]Consent, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.view(today))
	}
	return out, nil
}

// hasConsent reports whether the case has, on a date, an active consent of
// the scope that names the recipient or no recipient at all.
func hasConsent(tx *gorm.DB, caseID, scope, recipient string, on eligibility.Date) (bool, error) {
	var n int64
	d := on.String()
	err := tx.Table("consents").Where(`case_id = ? AND scope = ? AND (recipient = '' OR recipient = ?)
		AND withdrawn_on = '' AND (expires_on = '' OR expires_on >= ?) AND given_on <= ?`,
		caseID, scope, recipient, d, d).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("orgs: consent: %w", err)
	}
	return n > 0, nil
}

// consentMissing is the 409 of a sharing that no active consent allows.
// Its message (the API's detail) names the scope's code; its Code and the
// scope let the web UI say it in the user's language.
func consentMissing(scope, recipient string) error {
	return apperr.ConflictCode(apperr.CodeConsentMissing, map[string]string{"scope": scope},
		"no active %s consent allows sharing this case with %s: record the victim's consent first", scope, recipient)
}
