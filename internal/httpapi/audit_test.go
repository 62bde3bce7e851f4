package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
)

// The victim's name used throughout: distinctive bytes to look for.
const (
	victimGiven  = "Zenobia"
	victimFamily = "Quistwater-Ødegård"
)

// auditWorld is a casemgr with a caseworker (ana, payoke), an auditor
// (olga), an administrator (root) and one case with a few events.
type auditWorld struct {
	t      *testing.T
	env    *apptest.Env
	tokens map[string]string
	caseID string
}

func newAuditWorld(t *testing.T) *auditWorld {
	t.Helper()
	w := &auditWorld{t: t, env: apptest.New(t, nil), tokens: map[string]string{}}
	for _, u := range []struct {
		name    string
		role    auth.Role
		shelter string
	}{{"ana", auth.RoleCaseworker, "payoke"}, {"olga", auth.RoleAuditor, ""}, {"root", auth.RoleAdmin, ""}, {"sue", auth.RoleSupervisor, "payoke"}} {
		w.env.AddUser(t, u.name, u.role, u.shelter)
		w.tokens[u.name] = w.env.Login(t, u.name)
	}
	res := w.mustJSON("ana", "POST", "/api/v1/cases", map[string]any{
		"victim":       map[string]any{"given_name": victimGiven, "family_name": victimFamily, "date_of_birth": "1990-02-03", "gender": "female", "nationality": "NG"},
		"exploitation": []string{"sexual"}, "identified_on": "2025-05-01", "identified_by": "police",
	}, http.StatusCreated)
	w.caseID = res["id"].(string)
	w.mustJSON("ana", "POST", "/api/v1/cases/"+w.caseID+"/events", map[string]any{
		"type": "start_reflection", "occurred_on": "2025-05-02", "note": "Met " + victimGiven + " at the station",
	}, http.StatusOK)
	w.mustJSON("ana", "PATCH", "/api/v1/cases/"+w.caseID, map[string]any{
		"victim": map[string]any{"family_name": victimFamily + "-Smith"},
	}, http.StatusOK)
	return w
}

// do sends a request as user (no token when user is "") and returns the
// recorded answer.
func (w *auditWorld) do(user, method, path string, body any) *httptest.ResponseRecorder {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			w.t.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Content-Type", "application/json")
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+w.tokens[user])
	}
	rec := httptest.NewRecorder()
	serveRecorded(w.t, w.env.Handler, rec, req)
	return rec
}

func (w *auditWorld) must(user, method, path string, body any, status int) *httptest.ResponseRecorder {
	w.t.Helper()
	rec := w.do(user, method, path, body)
	if rec.Code != status {
		w.t.Fatalf("%s %s as %s: got status %d, want %d; body %s", method, path, user, rec.Code, status, rec.Body.String())
	}
	return rec
}

func (w *auditWorld) mustJSON(user, method, path string, body any, status int) map[string]any {
	w.t.Helper()
	rec := w.must(user, method, path, body, status)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		w.t.Fatalf("%s %s: body is not a JSON object: %s", method, path, rec.Body.String())
	}
	return out
}

func TestAuditEventsExportFormats(t *testing.T) {
	w := newAuditWorld(t)
	tests := []struct {
		format, contentType, disposition string
	}{
		{"json", "application/json", ""},
		{"ndjson", "application/x-ndjson", `attachment; filename=casemgr-audit-events_upto-`},
		{"csv", "text/csv; charset=utf-8", `attachment; filename=casemgr-audit-events_upto-`},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			rec := w.must("olga", "GET", "/api/v1/audit/events?format="+tt.format, nil, http.StatusOK)
			if got := rec.Header().Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type: got %q, want %q", got, tt.contentType)
			}
			if got := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(got, tt.disposition) || (tt.disposition == "") != (got == "") {
				t.Errorf("Content-Disposition: got %q, want prefix %q", got, tt.disposition)
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", got)
			}
			body := rec.Body.Bytes()
			for _, name := range []string{victimGiven, victimFamily, "Quistwater", "1990-02-03", "station"} {
				if bytes.Contains(body, []byte(name)) {
					t.Errorf("the %s export holds %q", tt.format, name)
				}
			}
			recs := parseExport(t, tt.format, body)
			if len(recs) < 4 {
				t.Fatalf("got %d records, want at least open_case, start_reflection, update_case and the export", len(recs))
			}
			events := map[string]bool{}
			for _, r := range recs {
				events[r["event"].(string)] = true
				if keys := keysOf(r); !slices.Equal(keys, exportFields) {
					t.Fatalf("record keys: got %v, want %v", keys, exportFields)
				}
			}
			for _, e := range []string{"open_case", "start_reflection", "update_case", "export"} {
				if !events[e] {
					t.Errorf("got no %s record in the %s export", e, tt.format)
				}
			}
			last := recs[len(recs)-1]
			wantData := fmt.Sprintf(`{"case":"","format":%q,"from":"","shelter":"","to":""}`, tt.format)
			if got := canon(t, last["data"]); last["event"] != "export" || last["actor"] != "olga" || got != wantData {
				t.Errorf("last record: got %v by %v with data %s, want the export itself by olga with %s", last["event"], last["actor"], got, wantData)
			}
			for _, r := range recs {
				if r["event"] == "update_case" {
					if got := canon(t, r["data"]); got != `{"fields":["family_name"]}` {
						t.Errorf("update_case data: got %s, want the changed field names only", got)
					}
				}
			}
		})
	}
}

func TestAuditEventsExportBadInput(t *testing.T) {
	w := newAuditWorld(t)
	tests := []struct {
		name, user, query string
		status            int
		field             string
	}{
		{"unknown format", "olga", "format=xml", 422, "format"},
		{"inverted range", "olga", "from=2025-06-10&to=2025-06-01", 422, "to"},
		{"malformed from", "olga", "from=10/06/2025", 422, "from"},
		{"malformed to", "olga", "to=2025-13-01", 422, "to"},
		{"malformed case", "olga", "case=" + victimGiven, 422, "case"},
		{"malformed shelter", "olga", "shelter=PAY%20OKE", 422, "shelter"},
		{"caseworker", "ana", "format=csv", 403, ""},
		{"supervisor", "sue", "format=csv", 403, ""},
		{"admin", "root", "format=csv", 403, ""},
		{"anonymous", "", "format=csv", 401, ""},
		{"unknown shelter is an empty export", "olga", "format=ndjson&shelter=nowhere", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := w.must(tt.user, "GET", "/api/v1/audit/events?"+tt.query, nil, tt.status)
			if tt.status == 200 {
				if rec.Body.Len() != 0 {
					t.Errorf("got %q, want an empty NDJSON export", rec.Body.String())
				}
				return
			}
			if got := rec.Header().Get("Content-Type"); got != "application/problem+json" {
				t.Errorf("Content-Type: got %q, want application/problem+json", got)
			}
			if tt.field != "" {
				var p struct {
					Errors []struct{ Field string } `json:"errors"`
				}
				json.Unmarshal(rec.Body.Bytes(), &p)
				if len(p.Errors) != 1 || p.Errors[0].Field != tt.field {
					t.Errorf("got errors %+v, want one on %s", p.Errors, tt.field)
				}
			}
		})
	}
	// The access-log export checks its input the same way.
	for q, field := range map[string]string{"format=pdf": "format", "from=2025-06-02&to=2025-06-01": "to", "to=yesterday": "to", "case=x": "case"} {
		rec := w.must("olga", "GET", "/api/v1/audit/access?"+q, nil, 422)
		if !strings.Contains(rec.Body.String(), `"field":"`+field+`"`) {
			t.Errorf("access?%s: got %s, want an error on %s", q, rec.Body.String(), field)
		}
	}
	w.must("ana", "GET", "/api/v1/audit/access", nil, 403)
}

func TestAuditorCaseFiles(t *testing.T) {
	w := newAuditWorld(t)
	w.must("olga", "GET", "/api/v1/cases/"+w.caseID, nil, http.StatusForbidden)
	w.must("olga", "GET", "/api/v1/cases", nil, http.StatusForbidden)
	w.must("olga", "GET", "/api/v1/cases/"+w.caseID+"/flags", nil, http.StatusForbidden)
	rec := w.must("olga", "GET", "/api/v1/cases/"+w.caseID+"/events", nil, http.StatusOK)
	var hist struct{ Items []map[string]any }
	if err := json.Unmarshal(rec.Body.Bytes(), &hist); err != nil {
		t.Fatalf("history: %v", err)
	}
	if len(hist.Items) != 3 {
		t.Fatalf("got %d history items, want 3 (open_case, start_reflection, update_case)", len(hist.Items))
	}
	for _, it := range hist.Items {
		if keys := keysOf(it); !slices.Equal(keys, exportFields) {
			t.Errorf("auditor history item keys: got %v, want the full record %v", keys, exportFields)
		}
	}
	if d := hist.Items[1]["note_digest"].(string); len(d) != 64 {
		t.Errorf("note_digest: got %q, want 64 hex characters", d)
	}
	for _, name := range []string{victimGiven, "Quistwater", "station"} {
		if strings.Contains(rec.Body.String(), name) {
			t.Errorf("the auditor's history holds %q", name)
		}
	}
}

func TestAccessLogRecordsEveryRead(t *testing.T) {
	w := newAuditWorld(t)
	id := w.caseID
	w.must("ana", "GET", "/api/v1/cases/"+id, nil, 200)
	w.must("ana", "GET", "/api/v1/cases/"+id+"/events", nil, 200)
	w.must("ana", "GET", "/api/v1/cases/"+id+"/flags", nil, 200)
	w.must("ana", "POST", "/api/v1/cases/"+id+"/simulate", map[string]any{"type": "file_complaint", "occurred_on": "2025-06-01"}, 200)
	w.must("sue", "GET", "/api/v1/cases", nil, 200)
	w.must("olga", "GET", "/api/v1/cases/"+id+"/events", nil, 200)
	w.must("ana", "GET", "/api/v1/cases/"+id+"/simulate", nil, 405) // not a read
	w.must("ana", "GET", "/api/v1/cases/00000000-0000-4000-8000-000000000000", nil, 404)
	if err := w.env.Access.Flush(context.Background()); err != nil {
		t.Fatalf("flush: %v", err)
	}
	type row struct{ Actor, ActorRole, CaseID, Shelter, Action string }
	var rows []row
	if err := w.env.DB.Read.Raw("SELECT actor, actor_role, case_id, shelter, action FROM access_log ORDER BY id").Scan(&rows).Error; err != nil {
		t.Fatalf("read access_log: %v", err)
	}
	want := []row{
		{"ana", "caseworker", id, "payoke", "get"},
		{"ana", "caseworker", id, "payoke", "events"},
		{"ana", "caseworker", id, "payoke", "flags"},
		{"ana", "caseworker", id, "payoke", "simulate"},
		{"sue", "supervisor", id, "payoke", "list"},
		{"olga", "auditor", id, "payoke", "events"},
	}
	// The setup's POST/PATCH answers are writes, not reads: not logged.
	if !slices.Equal(rows, want) {
		t.Errorf("access_log:\ngot  %+v\nwant %+v", rows, want)
	}

	for _, format := range []string{"json", "ndjson", "csv"} {
		rec := w.must("olga", "GET", "/api/v1/audit/access?format="+format, nil, 200)
		body := rec.Body.String()
		for _, name := range []string{victimGiven, "Quistwater", "1990-02-03"} {
			if strings.Contains(body, name) {
				t.Errorf("the %s access export holds %q", format, name)
			}
		}
		if got := strings.Count(body, `"action":"`) + strings.Count(body, ",payoke,"); got != len(want) {
			t.Errorf("%s access export: got %d rows, want %d:\n%s", format, got, len(want), body)
		}
	}
	if rec := w.must("olga", "GET", "/api/v1/audit/access?format=csv&from=2025-06-16", nil, 200); rec.Body.String() != "id,accessed_at,actor,actor_role,case_id,shelter,action\r\n" {
		t.Errorf("access export after today: got %q, want the header only", rec.Body.String())
	}
}

func TestCheckpointsHTTP(t *testing.T) {
	w := newAuditWorld(t)
	w.must("ana", "POST", "/api/v1/audit/checkpoints", nil, 403)
	w.must("ana", "GET", "/api/v1/audit/checkpoints", nil, 403)
	cp := w.mustJSON("olga", "POST", "/api/v1/audit/checkpoints", nil, 201)
	w.mustJSON("root", "POST", "/api/v1/audit/checkpoints", nil, 201)
	doc := w.mustJSON("root", "GET", "/api/v1/audit/checkpoints", nil, 200)
	items, _ := doc["items"].([]any)
	if len(items) != 2 || doc["public_key"] == "" || items[0].(map[string]any)["signature"] != cp["signature"] {
		t.Fatalf("checkpoints: got %v, want the public key and 2 checkpoints, the first one %v", doc, cp)
	}
	ver := w.mustJSON("olga", "GET", "/api/v1/audit/verify", nil, 200)
	cps, _ := ver["checkpoints"].(map[string]any)
	if ver["ok"] != true || ver["first_bad_seq"] != 0.0 || cps["confirmed"] != 2.0 || cps["total"] != 2.0 {
		t.Errorf("verify: got %v, want ok with 2 confirmed checkpoints", ver)
	}
	for _, k := range []string{"ok", "records", "head_seq", "head_hash", "first_bad_seq"} {
		if _, ok := ver[k]; !ok {
			t.Errorf("verify: got no %q in %v", k, ver)
		}
	}
	// The witness document: the key and the latest checkpoint, chained to
	// the one before.
	w.must("ana", "GET", "/api/v1/audit/checkpoints/latest", nil, 403)
	latest := w.mustJSON("olga", "GET", "/api/v1/audit/checkpoints/latest", nil, 200)
	litems, _ := latest["items"].([]any)
	if len(litems) != 1 || latest["public_key"] != doc["public_key"] {
		t.Fatalf("latest: got %v, want the public key and one checkpoint", latest)
	}
	last := litems[0].(map[string]any)
	if last["signature"] != items[1].(map[string]any)["signature"] || last["number"] != 2.0 || cp["number"] != 1.0 || last["prev_checkpoint"] == cp["prev_checkpoint"] {
		t.Errorf("latest: got %v, want checkpoint number 2 of %v", last, items)
	}
}

// An audit-log export carries its signed manifest in an HTTP trailer, so
// the body stays exactly the documented rows; the manifest counts them.
func TestExportManifestTrailer(t *testing.T) {
	w := newAuditWorld(t)
	for _, format := range []string{"json", "ndjson", "csv"} {
		t.Run(format, func(t *testing.T) {
			rec := w.must("olga", "GET", "/api/v1/audit/events?format="+format, nil, 200)
			res := rec.Result()
			if got := rec.Header().Get("Trailer"); got != "Casemgr-Export-Manifest" {
				t.Errorf("Trailer header: got %q, want Casemgr-Export-Manifest", got)
			}
			raw, err := base64.StdEncoding.DecodeString(res.Trailer.Get("Casemgr-Export-Manifest"))
			if err != nil {
				t.Fatalf("manifest trailer: %v (trailers %v)", err, res.Trailer)
			}
			m, err := audit.ReadManifest(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("manifest: %v", err)
			}
			recs := parseExport(t, format, rec.Body.Bytes())
			last := recs[len(recs)-1]
			if m.Records != int64(len(recs)) || fmt.Sprint(m.LastSeq) != fmt.Sprint(last["seq"]) || m.LastHash != last["hash"] || m.Format != audit.Format(format) {
				t.Errorf("manifest: got %+v, want %d records up to seq %v", m, len(recs), last["seq"])
			}
			res2, err := audit.VerifyExport(bytes.NewReader(rec.Body.Bytes()), audit.Format(format), audit.ExportCheck{Manifest: &m})
			if err != nil || !res2.OK || !res2.Manifest {
				t.Errorf("verify with the manifest: got %+v, %v", res2, err)
			}
		})
	}
	rec := w.must("olga", "GET", "/api/v1/audit/access?format=csv", nil, 200)
	if rec.Header().Get("Trailer") != "" {
		t.Errorf("access-log export: got Trailer %q, want none (it has no manifest)", rec.Header().Get("Trailer"))
	}
}

// TestIndependentVerifier verifies the API's NDJSON and CSV exports with a
// verifier written here from docs/audit.md alone: its own JCS and SHA-256
// over generically parsed rows, no casemgr code. It accepts the untouched
// export and names the first bad seq when a row is altered, deleted or
// reordered.
func TestIndependentVerifier(t *testing.T) {
	w := newAuditWorld(t)
	steps := []struct {
		typ, on string
		data    map[string]any
	}{ // a longer chain, with notes and data
		{"file_complaint", "2025-05-03", nil},
		{"prove_identity", "2025-05-04", nil},
		{"claim_compensation", "2025-05-05", map[string]any{"route": "court", "physical_violence_documented": true}},
		{"award_compensation", "2025-05-06", map[string]any{"amount_eur": "111227.00"}},
	}
	for i, st := range steps {
		body := map[string]any{"type": st.typ, "occurred_on": st.on, "note": "note " + strconv.Itoa(i)}
		if st.data != nil {
			body["data"] = st.data
		}
		w.must("ana", "POST", "/api/v1/cases/"+w.caseID+"/events", body, 200)
	}
	for _, format := range []string{"ndjson", "csv"} {
		t.Run(format, func(t *testing.T) {
			body := w.must("olga", "GET", "/api/v1/audit/events?format="+format, nil, 200).Body.String()
			header, rows := splitRows(t, format, body)
			n := len(rows)
			if n < 8 {
				t.Fatalf("got %d rows, want at least 8", n)
			}
			if bad, err := independentVerify(format, header, rows); bad != 0 || err != nil {
				t.Fatalf("untouched export: got first bad seq %d (%v), want 0", bad, err)
			}
			k := 5 // seq 5 is row index 4
			if !strings.Contains(rows[k-1], "2025-06-15T10:00") {
				t.Fatalf("row %d has no recorded_at to alter: %s", k, rows[k-1])
			}
			tests := []struct {
				name   string
				mutate func([]string) []string
				want   int64
			}{
				{"altered", func(r []string) []string {
					r[k-1] = strings.Replace(r[k-1], "2025-06-15T10:00", "2025-06-14T10:00", 1)
					return r
				}, 5},
				{"deleted", func(r []string) []string { return slices.Delete(r, k-1, k) }, 5},
				{"reordered", func(r []string) []string { r[k-1], r[k] = r[k], r[k-1]; return r }, 5},
				{"last deleted is undetectable without the head", func(r []string) []string { return r[:n-1] }, 0},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					got, err := independentVerify(format, header, tt.mutate(slices.Clone(rows)))
					if got != tt.want {
						t.Errorf("got first bad seq %d (%v), want %d", got, err, tt.want)
					}
				})
			}
		})
	}
}

var exportFields = []string{"seq", "recorded_at", "occurred_on", "case_id", "case_ref", "shelter", "actor", "actor_role",
	"event", "from_state", "to_state", "from_proceedings", "to_proceedings", "data", "note_digest", "rules_version", "prev_hash", "hash"}

// splitRows splits an export into its header (CSV) and its rows, each row
// the raw text of one record (a line; a CSV record may span lines inside
// quotes, which never happens for these records).
func splitRows(t *testing.T, format, body string) (string, []string) {
	t.Helper()
	sep := "\n"
	if format == "csv" {
		sep = "\r\n"
	}
	lines := strings.Split(strings.TrimSuffix(body, sep), sep)
	if format == "csv" {
		return lines[0], lines[1:]
	}
	return "", lines
}

// independentVerify walks the rows from seq 1 and returns the first seq
// that does not fit, 0 when all do.
func independentVerify(format, header string, rows []string) (int64, error) {
	prev := strings.Repeat("0", 64)
	for i, raw := range rows {
		want := int64(i + 1)
		rec, err := parseRow(format, header, raw)
		if err != nil {
			return want, err
		}
		seq, _ := rec["seq"].(json.Number).Int64()
		claimed, _ := rec["hash"].(string)
		delete(rec, "hash")
		if seq != want {
			return want, fmt.Errorf("found seq %d", seq)
		}
		if rec["prev_hash"] != prev {
			return want, fmt.Errorf("prev_hash does not link")
		}
		c, err := jcsOf(rec)
		if err != nil {
			return want, err
		}
		sum := sha256.Sum256([]byte(prev + c))
		if hex.EncodeToString(sum[:]) != claimed {
			return want, fmt.Errorf("hash mismatch")
		}
		prev = claimed
	}
	return 0, nil
}

// parseRow reads one record generically: NDJSON as a JSON object, CSV by
// the documented rules (one leading apostrophe removed from each cell, seq
// an integer, data JSON).
func parseRow(format, header, raw string) (map[string]any, error) {
	if format == "ndjson" {
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return nil, err
		}
		return m, nil
	}
	r := csv.NewReader(strings.NewReader(header + "\r\n" + raw + "\r\n"))
	all, err := r.ReadAll()
	if err != nil || len(all) != 2 {
		return nil, fmt.Errorf("csv: %v", err)
	}
	m := map[string]any{}
	for i, name := range all[0] {
		cell := strings.TrimPrefix(all[1][i], "'")
		switch name {
		case "seq":
			m[name] = json.Number(cell)
		case "data":
			dec := json.NewDecoder(strings.NewReader(cell))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				return nil, err
			}
			m[name] = v
		default:
			m[name] = cell
		}
	}
	return m, nil
}

// jcsOf is the test package's own RFC 8785 canonicalisation (jcs in
// chain_helpers_test.go, independent of internal/audit), as a string.
func jcsOf(v any) (string, error) {
	b, err := jcs(v)
	return string(b), err
}

func canon(t *testing.T, v any) string {
	t.Helper()
	s, err := jcsOf(v)
	if err != nil {
		t.Fatalf("jcs: %v", err)
	}
	return s
}

// parseExport parses a whole export generically into ordered records.
func parseExport(t *testing.T, format string, body []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	switch format {
	case "json":
		var doc struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("json export: %v", err)
		}
		for _, it := range doc.Items {
			m, err := parseRow("ndjson", "", string(it))
			if err != nil {
				t.Fatalf("item: %v", err)
			}
			m["_raw"] = string(it)
			out = append(out, m)
		}
	default:
		header, rows := splitRows(t, format, string(body))
		if format == "csv" && header != strings.Join(exportFields, ",") {
			t.Fatalf("CSV header: got %q, want %q", header, strings.Join(exportFields, ","))
		}
		for _, raw := range rows {
			m, err := parseRow(format, header, raw)
			if err != nil {
				t.Fatalf("row %q: %v", raw, err)
			}
			m["_raw"] = raw
			out = append(out, m)
		}
	}
	return out
}

// keysOf returns the keys of a record in the order they appear in its raw
// JSON (or, for CSV, the header order), without the test's _raw.
func keysOf(m map[string]any) []string {
	raw, _ := m["_raw"].(string)
	if raw == "" || !strings.HasPrefix(raw, "{") {
		if raw == "" { // a decoded history item: order from a re-encode is lost, check the set
			keys := make([]string, 0, len(m))
			for _, f := range exportFields {
				if _, ok := m[f]; ok {
					keys = append(keys, f)
				}
			}
			if len(keys) != len(m) {
				return append(keys, "(extra keys)")
			}
			return keys
		}
		return exportFields // CSV: the header was checked
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.Token()
	var keys []string
	for dec.More() {
		tok, _ := dec.Token()
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	return keys
}
