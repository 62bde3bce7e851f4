package cases_test

import (
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/auth"
)

// TestAuditCaseID checks the lookup behind the audit page's case filter:
// an id or a reference (in any case) gives the case id, an erased case is
// still found, an unknown reference gives "", and only auditors may ask.
func TestAuditCaseID(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Ada", "Obi", "NG", "2025-06-01"))
	erased := f.create(f.cw, victim("Eve", "Obi", "NG", "2025-06-02"))
	if _, err := f.svc.Erase(ctx, auth.System, erased.ID); err != nil {
		t.Fatalf("erase: %v", err)
	}
	aud := auth.Actor{Username: "aud", Role: auth.RoleAuditor}
	tests := []struct {
		name  string
		actor auth.Actor
		in    string
		want  string
		kind  string
	}{
		{"reference", aud, c.Reference, c.ID, "nil"},
		{"reference in lower case", aud, strings.ToLower(c.Reference), c.ID, "nil"},
		{"id in upper case", aud, strings.ToUpper(c.ID), c.ID, "nil"},
		{"erased case's reference", aud, erased.Reference, erased.ID, "nil"},
		{"unknown reference", aud, "PAY-2025-9999", "", "nil"},
		{"caseworker", f.cw, c.Reference, "", "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.svc.AuditCaseID(ctx, tt.actor, tt.in)
			if kindOf(err) != tt.kind {
				t.Fatalf("error %v, want kind %q", err, tt.kind)
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
