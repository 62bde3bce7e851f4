package auditor

import (
	"context"
	"fmt"

	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
)

// Search calls fn for each record of the audit log that f selects, in seq
// order (audit.Select), for the status-history search of the web UI. It
// is a read for the auditor's eyes, not an export: nothing is appended.
// An error fn returns ends the search; the error returned wraps it.
func (s *Service) Search(ctx context.Context, a auth.Actor, f audit.Filter, fn func(audit.Record) error) error {
	if err := mayExport(a); err != nil {
		return err
	}
	if err := audit.Select(ctx, s.db.Read, f, fn); err != nil {
		return fmt.Errorf("auditor: search: %w", err)
	}
	return nil
}
