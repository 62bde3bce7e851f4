package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
)

// TestOrgReadsInAccessLog checks that reading a case's consents, its
// referrals or one of its transfers is in the read-access log, as reading
// the case file is (docs/audit.md "The read-access log"): by whom, which
// case of which shelter, and what was read; a refused read is not.
func TestOrgReadsInAccessLog(t *testing.T) {
	w := newWorld(t)
	w.post(uAdmin, "/organisations", map[string]any{"id": "lawyers-bxl", "name": "Lawyers Brussels", "kind": "lawyer"}, http.StatusCreated)
	id := w.newCase(uPayoke, "Amara", "Obi", "2025-06-01")
	w.consent(uPayoke, id, "share_with_partner", "")
	w.consent(uPayoke, id, "share_with_shelter", "pag-asa")
	w.post(uPayoke, "/cases/"+id+"/referrals", map[string]any{"organisation": "lawyers-bxl", "service": "legal aid", "referred_on": "2025-06-05"}, http.StatusCreated)
	tid := w.post(uPayoke, "/cases/"+id+"/transfers", map[string]any{"to_shelter": "pag-asa", "reason": "safety"}, http.StatusCreated).str(t, "id")
	if err := w.env.Access.Flush(context.Background()); err != nil {
		t.Fatalf("flush: %v", err)
	}
	var before int64 // the setup's reads
	if err := w.env.DB.Read.Raw("SELECT COALESCE(MAX(id), 0) FROM access_log").Scan(&before).Error; err != nil {
		t.Fatal(err)
	}

	w.get(uPayoke, "/cases/"+id+"/consents", http.StatusOK)
	w.get(uPagAsa, "/cases/"+id+"/consents", http.StatusNotFound)
	w.get(uPayoke2, "/cases/"+id+"/referrals", http.StatusOK)
	w.get(uPagAsa, "/cases/"+id+"/referrals", http.StatusNotFound)
	w.get(uPagAsa, "/transfers/"+tid, http.StatusOK) // the receiving shelter, before it accepts
	w.get(uSurya, "/transfers/"+tid, http.StatusNotFound)
	w.post(uPagSup, "/transfers/"+tid+"/accept", nil, http.StatusOK)
	w.get(uPayoke, "/transfers/"+tid, http.StatusOK) // the sender, after: the case is pag-asa's
	if err := w.env.Access.Flush(context.Background()); err != nil {
		t.Fatalf("flush: %v", err)
	}

	type row struct{ Actor, ActorRole, CaseID, Shelter, Action string }
	var rows []row
	if err := w.env.DB.Read.Raw("SELECT actor, actor_role, case_id, shelter, action FROM access_log WHERE id > ? ORDER BY id", before).Scan(&rows).Error; err != nil {
		t.Fatalf("read access_log: %v", err)
	}
	want := []row{
		{uPayoke, "caseworker", id, "payoke", "consents"},
		{uPayoke2, "supervisor", id, "payoke", "referrals"},
		{uPagAsa, "caseworker", id, "payoke", "transfer"},
		{uPayoke, "caseworker", id, "pag-asa", "transfer"},
	}
	if !slices.Equal(rows, want) {
		t.Errorf("access_log:\ngot  %+v\nwant %+v", rows, want)
	}
}
