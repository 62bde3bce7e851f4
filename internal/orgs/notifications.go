package orgs

import (
	"context"
	"fmt"
	"time"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
)

// Notification is a notice to a shelter's supervisors: a possible
// duplicate of one of its cases in another shelter. It names the
// shelter's own case and the other shelter, never the other case.
type Notification struct {
	ID           string    `json:"id"`
	Kind         string    `json:"kind"`
	CaseID       string    `json:"case_id"`
	Reference    string    `json:"reference"`
	OtherShelter string    `json:"other_shelter"`
	CreatedAt    time.Time `json:"created_at"`
}

// Notifications lists the notices of the supervisor's shelter about its
// current cases, newest first.
func (s *Service) Notifications(ctx context.Context, a auth.Actor) ([]Notification, error) {
	if !a.Is(auth.RoleSupervisor) {
		return nil, apperr.Forbiddenf("only supervisors read the shelter's notifications")
	}
	var out []Notification
	err := s.db.Read.WithContext(ctx).Table("notifications n").
		Select("n.id, n.kind, n.case_id, c.reference, n.other_shelter, n.created_at").
		Joins("JOIN cases c ON c.id = n.case_id AND c.shelter_id = n.shelter_id").
		Where("n.shelter_id = ? AND c.data_key IS NOT NULL", a.Shelter).
		Order("n.created_at DESC, n.id").Limit(500).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("orgs: notifications: %w", err)
	}
	if out == nil {
		out = []Notification{}
	}
	return out, nil
}
