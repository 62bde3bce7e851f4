package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/eligibility"
)

// pngFile is a small valid PNG image.
func pngFile(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const pdfFile = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

// upload builds a multipart upload request.
func upload(t *testing.T, token, caseID, filename string, content []byte, fields map[string]string) req {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	return req{method: http.MethodPost, path: "/api/v1/cases/" + caseID + "/documents", token: token, body: b.Bytes(),
		header: map[string]string{"Content-Type": mw.FormDataContentType()}}
}

// TestWorkList: the work list of a caseworker holds the NRM deadlines,
// the flags' due dates, open tasks and document expiries of their
// shelter's cases only, by date, overdue first; done and snoozed tasks
// leave it.
func TestWorkList(t *testing.T) {
	w := newWorld(t)
	a := w.newCase(uPayoke, "Grace", "Okafor", "2025-06-01") // R27 due 2025-06-04: overdue
	w.event(uPayoke, a, "start_reflection", "2025-06-02", nil)
	other := w.newCase(uPagAsa, "Ama", "Mensah", "2025-06-10")
	task := w.must(req{method: http.MethodPost, path: "/api/v1/cases/" + a + "/tasks", token: w.tok[uPayoke],
		body: map[string]any{"title": "Call Grace Okafor's lawyer", "due_on": "2025-06-18"}}, http.StatusCreated)
	eq("status", "open")(t, task)
	eq("assignee", uPayoke)(t, task)
	eq("title", "Call Grace Okafor's lawyer")(t, task)
	w.must(req{method: http.MethodPost, path: "/api/v1/cases/" + other + "/tasks", token: w.tok[uPagAsa],
		body: map[string]any{"title": "Other shelter's task", "due_on": "2025-06-16"}}, http.StatusCreated)
	w.must(upload(t, w.tok[uPayoke], a, "permit.pdf", []byte(pdfFile), map[string]string{"kind": "annex_15", "valid_until": "2025-06-20"}), http.StatusCreated)

	r := w.must(req{method: http.MethodGet, path: "/api/v1/work?within=7", token: w.tok[uPayoke]}, http.StatusOK)
	eq("as_of", today)(t, r)
	type item struct{ Kind, Ref, Due, Extra string }
	list := func(r *response) []item {
		var out []item
		for _, v := range r.arr(t, "items") {
			m := v.(map[string]any)
			if m["case_id"] == other {
				t.Errorf("work list of %s holds a case of another shelter: %v", uPayoke, m)
			}
			extra, _ := m["rule"].(string)
			for _, k := range []string{"deadline", "status", "document_kind"} {
				if s, ok := m[k].(string); ok {
					extra = s
				}
			}
			out = append(out, item{m["kind"].(string), m["reference"].(string), m["due_on"].(string), extra})
		}
		return out
	}
	ref := w.getCase(uPayoke, a).str(t, "reference")
	want := []item{
		{"flag", ref, "2025-06-04", "R27"},
		{"task", ref, "2025-06-18", "open"},
		{"document_expiry", ref, "2025-06-20", "annex_15"},
	}
	if got := list(r); !equalItems(got, want) {
		t.Errorf("work within 7:\n got %+v\nwant %+v", got, want)
	}
	if d := r.arr(t, "items")[0].(map[string]any); d["days_left"] != jsonNum(-11) || d["severity"] != "critical" {
		t.Errorf("overdue flag: got %v, want days_left -11, critical", d)
	}
	if strings.Contains(string(r.raw), "Grace") || strings.Contains(string(r.raw), "lawyer") {
		t.Errorf("work list holds a name or a task's text: %s", r.raw)
	}
	// The reflection period ends 2025-07-17: within 40 days it is there.
	r40 := list(w.must(req{method: http.MethodGet, path: "/api/v1/work?within=40", token: w.tok[uPayoke]}, http.StatusOK))
	if last := r40[len(r40)-1]; last != (item{"deadline", ref, "2025-07-17", "reflection_end"}) {
		t.Errorf("work within 40: got last %+v, want the end of the reflection period", last)
	}
	// The supervisor of the shelter sees the same; the other shelter its own.
	if got := list(w.must(req{method: http.MethodGet, path: "/api/v1/work?within=7", token: w.tok[uPayoke2]}, http.StatusOK)); !equalItems(got, want) {
		t.Errorf("supervisor's work: got %+v, want %+v", got, want)
	}
	for _, v := range w.must(req{method: http.MethodGet, path: "/api/v1/work", token: w.tok[uPagAsa]}, http.StatusOK).arr(t, "items") {
		if v.(map[string]any)["case_id"] != other {
			t.Errorf("pag-asa's work list holds %v", v)
		}
	}

	taskID := task.str(t, "id")
	patch := func(user string, body map[string]any) req {
		return req{method: http.MethodPatch, path: "/api/v1/tasks/" + taskID, token: w.tok[user], body: body}
	}
	w.run(t, []scenario{
		{name: "within too far", req: req{method: http.MethodGet, path: "/api/v1/work?within=400", token: w.tok[uPayoke]},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("within")}},
		{name: "auditor has no work list", req: req{method: http.MethodGet, path: "/api/v1/work", token: w.tok[uAuditor]}, status: http.StatusForbidden},
		{name: "another shelter's task", req: patch(uPagAsa, map[string]any{"status": "done"}), status: http.StatusNotFound},
		{name: "snooze without reason", req: patch(uPayoke, map[string]any{"status": "snoozed", "snoozed_until": "2025-07-01"}),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("reason")}},
		{name: "snooze into the past", req: patch(uPayoke, map[string]any{"status": "snoozed", "snoozed_until": "2025-06-01", "reason": "waiting"}),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("snoozed_until")}},
		{name: "unknown status", req: patch(uPayoke, map[string]any{"status": "later"}),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("status")}},
		{name: "assignee of another shelter", req: req{method: http.MethodPost, path: "/api/v1/cases/" + a + "/tasks", token: w.tok[uPayoke],
			body: map[string]any{"title": "x", "due_on": "2025-06-18", "assignee": uPagAsa}},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("assignee")}},
		{name: "snooze", req: patch(uPayoke, map[string]any{"status": "snoozed", "snoozed_until": "2025-07-01", "reason": "the lawyer is away"}),
			status: http.StatusOK, checks: []check{eq("status", "snoozed"), eq("snoozed_until", "2025-07-01"), eq("snooze_reason", "the lawyer is away")}},
	})
	for _, it := range list(w.must(req{method: http.MethodGet, path: "/api/v1/work?within=7", token: w.tok[uPayoke]}, http.StatusOK)) {
		if it.Kind == "task" {
			t.Errorf("a task snoozed until 2025-07-01 is on the work list within 7 days: %+v", it)
		}
	}
	if got := list(w.must(req{method: http.MethodGet, path: "/api/v1/work?within=16", token: w.tok[uPayoke]}, http.StatusOK)); !containsItem(got, item{"task", ref, "2025-07-01", "snoozed"}) {
		t.Errorf("work within 16: got %+v, want the snoozed task back on 2025-07-01", got)
	}
	w.must(patch(uPayoke, map[string]any{"status": "done"}), http.StatusOK)
	if got := list(w.must(req{method: http.MethodGet, path: "/api/v1/work?within=30", token: w.tok[uPayoke]}, http.StatusOK)); containsItem(got, item{"task", ref, "2025-07-01", "snoozed"}) || containsItem(got, item{"task", ref, "2025-06-18", "open"}) {
		t.Errorf("work after done: got %+v, want no task", got)
	}
	// Every change is in the chain, with a digest of the free text only.
	var recs []struct{ Event, Data, NoteDigest string }
	if err := w.env.DB.Read.Raw("SELECT event, data, note_digest FROM audit_log WHERE case_id = ? AND event LIKE '%task' ORDER BY seq", a).Scan(&recs).Error; err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0].Event != "add_task" || recs[1].Event != "update_task" || recs[0].NoteDigest == "" {
		t.Errorf("task records: got %+v, want add_task then two update_task, with digests", recs)
	}
	for _, rec := range recs {
		if strings.Contains(rec.Data, "lawyer") {
			t.Errorf("audit data holds free text: %s", rec.Data)
		}
	}
}

func jsonNum(n int) any { return json.Number(strconv.Itoa(n)) }

func equalItems[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func containsItem[T comparable](list []T, x T) bool {
	for _, v := range list {
		if v == x {
			return true
		}
	}
	return false
}

// TestFlagDueDates: the due date of flag R27 is an item of the work list,
// with its rule; the API's case deadlines and board keep the NRM
// deadlines of the contract (docs/api.md), and the UI shows both
// (web tests).
func TestFlagDueDates(t *testing.T) {
	w := newWorld(t)
	a := w.newCase(uPayoke, "Grace", "Okafor", "2025-06-01")
	r := w.must(req{method: http.MethodGet, path: "/api/v1/deadlines?within=30", token: w.tok[uPayoke2]}, http.StatusOK)
	if d := findByKey(t, r, "items", "kind", "flag"); d != nil {
		t.Errorf("API board: got %v, want the NRM deadlines only", d)
	}
	c := w.getCase(uPayoke, a)
	eq("deadlines", []any{})(t, c)
	work := w.must(req{method: http.MethodGet, path: "/api/v1/work?within=7", token: w.tok[uPayoke]}, http.StatusOK)
	if d := findByKey(t, work, "items", "rule", "R27"); d == nil || d["kind"] != "flag" || d["due_on"] != "2025-06-04" || d["case_id"] != a {
		t.Errorf("work list: got %v, want the R27 due date 2025-06-04", d)
	}
	w.event(uPayoke, a, "inform_of_rights", "2025-06-15", nil)
	work = w.must(req{method: http.MethodGet, path: "/api/v1/work?within=7", token: w.tok[uPayoke]}, http.StatusOK)
	if d := findByKey(t, work, "items", "rule", "R27"); d != nil {
		t.Errorf("work list after inform_of_rights: got %v, want no R27 item", d)
	}
}

// TestNotes: the contact log is append-only; a correction is a new
// version and the old one stays; another shelter sees nothing.
func TestNotes(t *testing.T) {
	w := newWorld(t)
	a := w.newCase(uPayoke, "Grace", "Okafor", "2025-06-01")
	notes := "/api/v1/cases/" + a + "/notes"
	n1 := w.must(req{method: http.MethodPost, path: notes, token: w.tok[uPayoke],
		body: map[string]any{"occurred_on": "2025-06-14", "kind": "phone", "text": "Grace called about her sister"}}, http.StatusCreated)
	eq("text", "Grace called about her sister")(t, n1)
	eq("corrects", nil)(t, n1)
	id1 := n1.str(t, "id")
	w.run(t, []scenario{
		{name: "future", req: req{method: http.MethodPost, path: notes, token: w.tok[uPayoke],
			body: map[string]any{"occurred_on": "2025-06-16", "kind": "phone", "text": "x"}},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("occurred_on")}},
		{name: "bad kind and no text", req: req{method: http.MethodPost, path: notes, token: w.tok[uPayoke],
			body: map[string]any{"occurred_on": "2025-06-14", "kind": "letter", "text": " "}},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("kind", "text")}},
		{name: "another shelter", req: req{method: http.MethodPost, path: notes, token: w.tok[uPagAsa],
			body: map[string]any{"occurred_on": "2025-06-14", "kind": "phone", "text": "x"}}, status: http.StatusNotFound},
		{name: "another shelter reads", req: req{method: http.MethodGet, path: notes, token: w.tok[uPagAsa]}, status: http.StatusNotFound},
		{name: "auditor", req: req{method: http.MethodGet, path: notes, token: w.tok[uAuditor]}, status: http.StatusForbidden},
		{name: "correct", req: req{method: http.MethodPost, path: notes + "/" + id1 + "/corrections", token: w.tok[uPayoke],
			body: map[string]any{"occurred_on": "2025-06-13", "kind": "phone", "text": "Grace called about her brother"}},
			status: http.StatusCreated, checks: []check{eq("corrects", id1)}},
		{name: "correct an old version", req: req{method: http.MethodPost, path: notes + "/" + id1 + "/corrections", token: w.tok[uPayoke],
			body: map[string]any{"occurred_on": "2025-06-13", "kind": "phone", "text": "again"}}, status: http.StatusConflict},
		{name: "correct an unknown note", req: req{method: http.MethodPost, path: notes + "/00000000-0000-4000-8000-000000000000/corrections", token: w.tok[uPayoke],
			body: map[string]any{"occurred_on": "2025-06-13", "kind": "phone", "text": "x"}}, status: http.StatusNotFound},
	})
	r := w.must(req{method: http.MethodGet, path: notes, token: w.tok[uPayoke]}, http.StatusOK)
	items := r.arr(t, "items")
	if len(items) != 2 {
		t.Fatalf("notes: got %d, want 2 versions", len(items))
	}
	old := findByKey(t, r, "items", "id", id1)
	if old == nil || old["text"] != "Grace called about her sister" || old["corrected_by"] == nil {
		t.Errorf("corrected note: got %v, want its text kept and corrected_by set", old)
	}
	var recs []struct{ Event, Data, NoteDigest string }
	if err := w.env.DB.Read.Raw("SELECT event, data, note_digest FROM audit_log WHERE case_id = ? AND event LIKE '%note' ORDER BY seq", a).Scan(&recs).Error; err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Event != "add_note" || recs[1].Event != "correct_note" || recs[0].NoteDigest == "" || recs[0].NoteDigest == recs[1].NoteDigest {
		t.Errorf("note records: got %+v, want add_note and correct_note with their digests", recs)
	}
	var stored [][]byte
	if err := w.env.DB.Read.Raw("SELECT text_enc FROM case_contact_notes").Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	for _, ct := range stored {
		if bytes.Contains(ct, []byte("Grace")) {
			t.Errorf("a note is stored in plaintext")
		}
	}
}

// TestServices: the case plan, and the count of services provided.
func TestServices(t *testing.T) {
	w := newWorld(t)
	a := w.newCase(uPayoke, "Grace", "Okafor", "2025-06-01")
	path := "/api/v1/cases/" + a + "/services"
	s1 := w.must(req{method: http.MethodPost, path: path, token: w.tok[uPayoke],
		body: map[string]any{"service": "psychological", "provider": "shelter", "planned_on": "2025-06-20"}}, http.StatusCreated)
	eq("started_on", nil)(t, s1)
	w.must(req{method: http.MethodPost, path: path, token: w.tok[uPayoke],
		body: map[string]any{"service": "legal", "provider": "pro-deo-bar", "started_on": "2025-06-02", "outcome": "lawyer appointed"}}, http.StatusCreated)
	w.run(t, []scenario{
		{name: "unknown service", req: req{method: http.MethodPost, path: path, token: w.tok[uPayoke],
			body: map[string]any{"service": "dance", "planned_on": "2025-06-20"}}, status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("service")}},
		{name: "free text provider", req: req{method: http.MethodPost, path: path, token: w.tok[uPayoke],
			body: map[string]any{"service": "legal", "provider": "Maître Dupont", "planned_on": "2025-06-20"}}, status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("provider")}},
		{name: "no date", req: req{method: http.MethodPost, path: path, token: w.tok[uPayoke],
			body: map[string]any{"service": "legal"}}, status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("planned_on")}},
		{name: "another shelter", req: req{method: http.MethodGet, path: path, token: w.tok[uPagAsa]}, status: http.StatusNotFound},
		{name: "start", req: req{method: http.MethodPatch, path: "/api/v1/services/" + s1.str(t, "id"), token: w.tok[uPayoke],
			body: map[string]any{"started_on": "2025-06-15"}}, status: http.StatusOK, checks: []check{eq("started_on", "2025-06-15"), eq("planned_on", "2025-06-20")}},
		{name: "end before start", req: req{method: http.MethodPatch, path: "/api/v1/services/" + s1.str(t, "id"), token: w.tok[uPayoke],
			body: map[string]any{"ended_on": "2025-06-14"}}, status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("ended_on")}},
		{name: "another shelter's service", req: req{method: http.MethodPatch, path: "/api/v1/services/" + s1.str(t, "id"), token: w.tok[uPagAsa],
			body: map[string]any{"ended_on": "2025-06-15"}}, status: http.StatusNotFound},
	})
	r := w.must(req{method: http.MethodGet, path: path, token: w.tok[uPayoke]}, http.StatusOK)
	if n := len(r.arr(t, "items")); n != 2 {
		t.Errorf("services: got %d, want 2", n)
	}
	eq("items.0.service", "legal")(t, r)
	eq("items.0.outcome", "lawyer appointed")(t, r)
	got, err := w.env.Casework.ServicesProvided(context.Background(), "payoke", eligibility.MustParseDate("2025-01-01"), eligibility.MustParseDate("2025-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["legal"] != 1 || got["psychological"] != 1 {
		t.Errorf("services provided in 2025: got %v, want legal 1, psychological 1", got)
	}
	if got, _ := w.env.Casework.ServicesProvided(context.Background(), "pag-asa", eligibility.MustParseDate("2025-01-01"), eligibility.MustParseDate("2025-12-31")); len(got) != 0 {
		t.Errorf("pag-asa's services: got %v, want none", got)
	}
}

// TestDocuments: uploads are checked by content and size, downloads are
// attachments for the shelter's staff only, each in the read-access log.
func TestDocuments(t *testing.T) {
	w := newWorld(t)
	a := w.newCase(uPayoke, "Grace", "Okafor", "2025-06-01")
	img := pngFile(t)
	big := append([]byte(pdfFile), bytes.Repeat([]byte(" "), 10<<20)...)
	w.run(t, []scenario{
		{name: "text named .pdf", req: upload(t, w.tok[uPayoke], a, "letter.pdf", []byte("<html><script>alert(1)</script>"), map[string]string{"kind": "other"}),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("file")}},
		{name: "a PDF header without its end", req: upload(t, w.tok[uPayoke], a, "x.pdf", []byte("%PDF-1.4\n<script>"), map[string]string{"kind": "other"}),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("file")}},
		{name: "over 10 MiB", req: upload(t, w.tok[uPayoke], a, "big.pdf", big, map[string]string{"kind": "other"}), status: http.StatusRequestEntityTooLarge},
		{name: "unknown kind", req: upload(t, w.tok[uPayoke], a, "x.png", img, map[string]string{"kind": "selfie"}),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("kind")}},
		{name: "another shelter", req: upload(t, w.tok[uPagAsa], a, "x.png", img, map[string]string{"kind": "other"}), status: http.StatusNotFound},
		{name: "not multipart", req: req{method: http.MethodPost, path: "/api/v1/cases/" + a + "/documents", token: w.tok[uPayoke], body: map[string]any{"kind": "other"}},
			status: http.StatusBadRequest},
	})
	doc := w.must(upload(t, w.tok[uPayoke], a, "Grace passport.png", img, map[string]string{"kind": "passport", "valid_until": "2030-01-01"}), http.StatusCreated)
	eq("content_type", "image/png")(t, doc)
	eq("filename", "Grace passport.png")(t, doc)
	eq("valid_until", "2030-01-01")(t, doc)
	id := doc.str(t, "id")
	path := "/api/v1/cases/" + a + "/documents/" + id
	r := w.must(req{method: http.MethodGet, path: path, token: w.tok[uPayoke2]}, http.StatusOK)
	if !bytes.Equal(r.raw, img) {
		t.Errorf("download: got %d bytes, want the %d uploaded", len(r.raw), len(img))
	}
	h := r.header
	if h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") || strings.Contains(h.Get("Content-Disposition"), "Grace") ||
		!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("download headers: %v", h)
	}
	w.run(t, []scenario{
		{name: "another shelter downloads", req: req{method: http.MethodGet, path: path, token: w.tok[uPagAsa]}, status: http.StatusNotFound},
		{name: "auditor downloads", req: req{method: http.MethodGet, path: path, token: w.tok[uAuditor]}, status: http.StatusForbidden},
		{name: "admin downloads", req: req{method: http.MethodGet, path: path, token: w.tok[uAdmin]}, status: http.StatusForbidden},
		{name: "unknown document", req: req{method: http.MethodGet, path: "/api/v1/cases/" + a + "/documents/00000000-0000-4000-8000-000000000000", token: w.tok[uPayoke]}, status: http.StatusNotFound},
		{name: "list", req: req{method: http.MethodGet, path: "/api/v1/cases/" + a + "/documents", token: w.tok[uPayoke]}, status: http.StatusOK,
			checks: []check{eq("items.0.id", id), eq("items.0.kind", "passport")}},
	})
	if err := w.env.Access.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := w.env.DB.Read.Raw("SELECT COUNT(*) FROM access_log WHERE case_id = ? AND action = 'document' AND actor = ?", a, uPayoke2).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("access log: got %d document reads by %s, want 1", n, uPayoke2)
	}
	var stored [][]byte
	if err := w.env.DB.Read.Raw("SELECT content_enc FROM case_documents").Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || bytes.Contains(stored[0], img[:16]) {
		t.Errorf("the document is not encrypted at rest")
	}
}

// TestErasedCasework: erasing a case destroys its notes' texts and its
// documents; what is left reads as empty, and nothing more can be stored.
func TestErasedCasework(t *testing.T) {
	w := newWorld(t)
	a := w.newCase(uPayoke, "Grace", "Okafor", "2025-06-01")
	w.must(req{method: http.MethodPost, path: "/api/v1/cases/" + a + "/notes", token: w.tok[uPayoke],
		body: map[string]any{"occurred_on": "2025-06-14", "kind": "visit", "text": "Visited Grace at home"}}, http.StatusCreated)
	doc := w.must(upload(t, w.tok[uPayoke], a, "p.pdf", []byte(pdfFile), map[string]string{"kind": "passport"}), http.StatusCreated)
	w.must(req{method: http.MethodPost, path: "/api/v1/cases/" + a + "/tasks", token: w.tok[uPayoke],
		body: map[string]any{"title": "Visit Grace", "due_on": "2025-06-20"}}, http.StatusCreated)
	w.must(req{method: http.MethodPost, path: "/api/v1/cases/" + a + "/erase", token: w.tok[uAdmin]}, http.StatusOK)

	r := w.must(req{method: http.MethodGet, path: "/api/v1/cases/" + a + "/notes", token: w.tok[uPayoke]}, http.StatusOK)
	eq("items.0.text", "")(t, r)
	eq("items.0.kind", "visit")(t, r)
	w.must(req{method: http.MethodGet, path: "/api/v1/cases/" + a + "/documents/" + doc.str(t, "id"), token: w.tok[uPayoke]}, http.StatusNotFound)
	eq("items.0.title", "")(t, w.must(req{method: http.MethodGet, path: "/api/v1/cases/" + a + "/tasks", token: w.tok[uPayoke]}, http.StatusOK))
	w.must(req{method: http.MethodPost, path: "/api/v1/cases/" + a + "/notes", token: w.tok[uPayoke],
		body: map[string]any{"occurred_on": "2025-06-15", "kind": "visit", "text": "again"}}, http.StatusConflict)
	var left int64
	if err := w.env.DB.Read.Raw(`SELECT (SELECT COUNT(*) FROM case_documents) + (SELECT COUNT(*) FROM case_contact_notes WHERE text_enc IS NOT NULL)
		+ (SELECT COUNT(*) FROM case_tasks WHERE title_enc IS NOT NULL)`).Scan(&left).Error; err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("after erasure: %d ciphertexts or documents left, want 0", left)
	}
}
