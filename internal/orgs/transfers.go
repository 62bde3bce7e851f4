package orgs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
)

// Transfer reasons and statuses (docs/organisations.md "Transfers").
var TransferReasons = []string{"capacity", "safety", "specialisation", "victim_request", "other"}

const (
	TransferPending   = "pending"
	TransferAccepted  = "accepted"
	TransferDeclined  = "declined"
	TransferCancelled = "cancelled"
)

// transferRow is the stored transfer (table transfers).
type transferRow struct {
	ID            string     `gorm:"column:id;primaryKey"`
	CaseID        string     `gorm:"column:case_id"`
	Reference     string     `gorm:"column:reference"`
	FromShelter   string     `gorm:"column:from_shelter"`
	ToShelter     string     `gorm:"column:to_shelter"`
	Reason        string     `gorm:"column:reason"`
	Status        string     `gorm:"column:status"`
	RequestedBy   string     `gorm:"column:requested_by"`
	RequestedAt   time.Time  `gorm:"column:requested_at"`
	DecidedBy     string     `gorm:"column:decided_by"`
	DecidedAt     *time.Time `gorm:"column:decided_at"`
	DeclineReason string     `gorm:"column:decline_reason"`
}

func (transferRow) TableName() string { return "transfers" }

// Transfer is a transfer as the API shows it, to both shelters. It names
// the case by id and reference, never by the victim's identity.
type Transfer struct {
	ID            string     `json:"id"`
	CaseID        string     `json:"case_id"`
	Reference     string     `json:"reference"`
	FromShelter   string     `json:"from_shelter"`
	ToShelter     string     `json:"to_shelter"`
	Reason        string     `json:"reason"`
	Status        string     `json:"status"`
	RequestedBy   string     `json:"requested_by"`
	RequestedAt   time.Time  `json:"requested_at"`
	DecidedBy     *string    `json:"decided_by"`
	DecidedAt     *time.Time `json:"decided_at"`
	DeclineReason *string    `json:"decline_reason"`
}

func (r transferRow) view() Transfer {
	return Transfer{ID: r.ID, CaseID: r.CaseID, Reference: r.Reference, FromShelter: r.FromShelter,
		ToShelter: r.ToShelter, Reason: r.Reason, Status: r.Status, RequestedBy: r.RequestedBy,
		RequestedAt: r.RequestedAt, DecidedBy: optStr(r.DecidedBy), DecidedAt: r.DecidedAt,
		DeclineReason: optStr(r.DeclineReason)}
}

// data is the audit data of an act on the transfer: both shelters.
func (r transferRow) data() map[string]any {
	return map[string]any{"transfer_id": r.ID, "from_shelter": r.FromShelter, "to_shelter": r.ToShelter, "reason": r.Reason}
}

// Transfers lists the transfers of the actor's shelter, newest first:
// direction "incoming" (to it), "outgoing" (from it) or "" (both);
// status filters when set.
func (s *Service) Transfers(ctx context.Context, a auth.Actor, direction, status string) ([]Transfer, error) {
	var f apperr.Fields
	if direction != "" {
		oneOf(&f, "direction", direction, []string{"incoming", "outgoing"})
	}
	if status != "" {
		oneOf(&f, "status", status, []string{TransferPending, TransferAccepted, TransferDeclined, TransferCancelled})
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	q := s.db.Read.WithContext(ctx).Model(&transferRow{})
	switch direction {
	case "incoming":
		q = q.Where("to_shelter = ?", a.Shelter)
	case "outgoing":
		q = q.Where("from_shelter = ?", a.Shelter)
	default:
		q = q.Where("to_shelter = ? OR from_shelter = ?", a.Shelter, a.Shelter)
	}
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var rows []transferRow
	if err := q.Order("requested_at DESC, id").Limit(500).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("orgs: transfers: %w", err)
	}
	out := make([]Transfer, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.view())
	}
	return out, nil
}

// Transfer returns one transfer, to the sending and the receiving shelter
// (404 to any other): the requester still sees its outcome once the case
// has left their shelter. The read is in the read-access log, under the
// shelter the case belongs to now. The list (Transfers) is not: like the
// work list, it names cases by reference for the shelter to act on.
func (s *Service) Transfer(ctx context.Context, a auth.Actor, id string) (Transfer, error) {
	r, err := loadTransfer(s.db.Read.WithContext(ctx), a, id, false)
	if err != nil {
		return Transfer{}, err
	}
	s.cases.RecordRead(ctx, a, r.CaseID, r.caseShelter(), cases.AccessTransfer)
	return r.view(), nil
}

// caseShelter is the shelter the transferred case belongs to: the
// receiving one once the transfer was accepted.
func (r transferRow) caseShelter() string {
	if r.Status == TransferAccepted {
		return r.ToShelter
	}
	return r.FromShelter
}

func loadTransfer(db *gorm.DB, a auth.Actor, id string, lock bool) (transferRow, error) {
	var r transferRow
	q := db.Where("id = ? AND (from_shelter = ? OR to_shelter = ?)", id, a.Shelter, a.Shelter)
	if lock {
		q = q.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
	}
	err := q.Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return r, apperr.NotFoundf("no such transfer")
	}
	if err != nil {
		return r, fmt.Errorf("orgs: transfer %s: %w", id, err)
	}
	return r, nil
}

// decide closes a pending transfer: status, who and when.
func (s *Service) decide(tx *gorm.DB, a auth.Actor, r *transferRow, status, reason string) error {
	now := s.now().UTC()
	r.Status, r.DecidedBy, r.DecidedAt, r.DeclineReason = status, a.Username, &now, reason
	res := tx.Model(&transferRow{}).Where("id = ? AND status = ?", r.ID, TransferPending).Updates(map[string]any{
		"status": status, "decided_by": a.Username, "decided_at": now, "decline_reason": reason})
	if res.Error != nil {
		return fmt.Errorf("orgs: decide transfer %s: %w", r.ID, res.Error)
	}
	if res.RowsAffected != 1 {
		return apperr.Conflictf("this transfer is no longer pending")
	}
	return nil
}

func pendingOnly(r transferRow) error {
	if r.Status != TransferPending {
		return apperr.Conflictf("this transfer was already %s", r.Status)
	}
	return nil
}
