package cases

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
)

// AuditCaseID turns what an auditor typed to find a case's history, a case
// id or a reference, into the case id of its audit records, or "" when no
// case has that reference. The reference is looked up in table cases (its
// UNIQUE index), whose row outlives an erasure, so an erased case's
// history is still found. It reads no identity, so it records no access;
// only auditors (and the system) may ask.
func (s *Service) AuditCaseID(ctx context.Context, a auth.Actor, idOrRef string) (string, error) {
	if !a.Is(auth.RoleAuditor, auth.RoleSystem) {
		return "", apperr.Forbiddenf("only auditors search the audit trail")
	}
	if _, err := uuid.Parse(idOrRef); err == nil {
		return strings.ToLower(idOrRef), nil
	}
	var ids []string
	err := s.db.Read.WithContext(ctx).Table("cases").
		Where("reference = ?", strings.ToUpper(idOrRef)).Limit(1).Pluck("id", &ids).Error
	if err != nil {
		return "", fmt.Errorf("cases: find case %q: %w", idOrRef, err)
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}
