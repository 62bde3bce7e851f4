package web_test

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/audit"
	cases "github.com/casemgr/casemgr/internal/case"
)

// reportsEnv has two payoke cases (sexual; sexual and labour) and one
// pag-asa case (labour), all identified on 2025-06-01, with two
// reflection periods and one complaint (a provisional permit) at payoke
// and one reflection period at pag-asa. The clock is at 2025-06-15.
func reportsEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	a := openCase(t, e, "ana", "Grace", "1998-04-17", "sexual")
	b := openCase(t, e, "ana", "Zoé", "", "sexual", "labour")
	c := openCase(t, e, "bob", "Ama", "", "labour")
	for _, ev := range []struct{ user, id, typ, on string }{
		{"ana", a.ID, "start_reflection", "2025-06-02"},
		{"ana", b.ID, "start_reflection", "2025-06-03"},
		{"ana", a.ID, "file_complaint", "2025-06-10"},
		{"bob", c.ID, "start_reflection", "2025-06-04"},
	} {
		if _, err := e.Cases.RecordEvent(t.Context(), e.actors[ev.user], ev.id, eventInput(ev.typ, ev.on)); err != nil {
			t.Fatalf("record %s: %v", ev.typ, err)
		}
	}
	return e
}

// openCase opens a case of a woman of Nigeria identified on 2025-06-01.
func openCase(t *testing.T, e *env, user, given, born string, exploitation ...string) cases.Case {
	t.Helper()
	c, err := e.Cases.Create(t.Context(), e.actors[user], cases.NewCase{
		Victim:       cases.VictimInput{GivenName: given, FamilyName: "Test", DateOfBirth: born, Gender: "female", Nationality: "NG"},
		Exploitation: exploitation, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
	})
	if err != nil {
		t.Fatalf("create case: %v", err)
	}
	return c
}

// cell is the row of a report table for a category and its count.
func cell(key, label, value string) string {
	class := "num"
	if value == "&lt;5" || value == "x" {
		class = "num hidden-count"
	}
	return `<tr data-key="` + key + `"><th scope="row">` + label + `</th><td class="` + class + `">` + value + `</td></tr>`
}

// bar is the SVG bar of a category: its label, its rectangle (the class
// and length) and its value, in that order.
func bar(label, class, length, value string) *regexp.Regexp {
	return regexp.MustCompile(`<text class="label" [^>]*>` + regexp.QuoteMeta(label) + `</text>\s*<line [^>]*></line>\s*` +
		`<rect class="` + class + `" x="8" y="[0-9]+" width="` + length + `" height="16"></rect>\s*` +
		`<text class="value[^"]*" [^>]*>` + regexp.QuoteMeta(value) + `</text>`)
}

var (
	svgPattern = regexp.MustCompile(`<svg class="chart" id="(chart-[a-z]+)"[^>]* role="img" aria-labelledby="(chart-[a-z]+)-title (chart-[a-z]+)-desc"`)
	barPattern = regexp.MustCompile(`<rect class="bar[ "]`)
)

// TestReportsAnnualPage checks the annual report page: a supervisor sees
// their shelter's exact figures, an auditor protected figures of all
// shelters or one; both get the two charts, with a bar per category.
func TestReportsAnnualPage(t *testing.T) {
	e := reportsEnv(t)
	tests := []struct {
		name    string
		user    string
		path    string
		in, out []string
		bars    []*regexp.Regexp
		hidden  int // bars drawn as hidden (zero length, marker as value)
	}{
		{
			name: "supervisor, default year", user: "sam", path: "/reports/annual",
			in: []string{
				`<option value="2025" selected>2025</option>`, `<option value="2000">2000</option>`,
				`<h2 id="about-h">2025 · Payoke</h2>`, `<span id="identified">2</span>`,
				cell("sexual", "sexual", "2"), cell("labour", "labour", "1"), cell("forced_begging", "forced begging", "0"),
				cell("reflection_started", "reflection period started", "2"), cell("provisional_issued", "provisional permit issued", "1"),
				cell("female", "female", "2"), cell("adult", "adult", "1"), cell("unknown", "unknown", "1"), cell("non_eu", "not an EU citizen", "2"), cell("africa", "Africa", "2"),
				cell("complaint_filed", "complaint filed", "1"), cell("R01", "R01", "0"),
				`<dd id="as-of">15/06/2025</dd>`, `<p id="protection">Exact figures`,
				`href="/reports/annual.xlsx?as_of=2025-06-15&amp;cutoff={head}&amp;year=2025"`,
				`href="/reports/annual.csv?as_of=2025-06-15&amp;cutoff={head}&amp;year=2025"`,
				`href="/reports/annual-be.csv?as_of=2025-06-15&amp;cutoff={head}&amp;year=2025"`,
				`<a href="/reports/policy?year=2025" id="policy-link">`,
			},
			out: []string{`id="r-shelter"`, "anonymized.csv", "&lt;5", "Grace", "Zoé", "Ama"},
			bars: []*regexp.Regexp{
				bar("sexual", "bar", "560", "2"), bar("labour", "bar", "280", "1"), bar("other", "bar", "0", "0"),
				bar("reflection period started", "bar", "560", "2"), bar("provisional permit issued", "bar", "280", "1"),
				bar("indefinite stay granted", "bar", "0", "0"),
			},
		},
		{
			name: "supervisor asking for another shelter gets their own", user: "sam", path: "/reports/annual?year=2025&shelter=pag-asa",
			in:  []string{`<h2 id="about-h">2025 · Payoke</h2>`, `<span id="identified">2</span>`, cell("sexual", "sexual", "2")},
			out: []string{"PAG-ASA"},
		},
		{
			name: "auditor, all shelters", user: "aud", path: "/reports/annual?year=2025",
			in: []string{
				`<h2 id="about-h">2025 · all shelters</h2>`, `<span id="identified">&lt;5</span>`,
				`id="r-shelter"`, `<option value="" selected>all shelters</option>`, `<option value="pag-asa">PAG-ASA</option>`,
				cell("sexual", "sexual", "&lt;5"), cell("reflection_started", "reflection period started", "&lt;5"),
				`<div id="protection">`, `Small-cell protection applies (threshold 5)`,
				`<dd>fewer than 5</dd>`, `hidden so that a small count cannot be recovered by subtraction`,
				`href="/reports/anonymized.csv?as_of=2025-06-15&amp;cutoff={head}&amp;year=2025"`,
			},
			out:    []string{`<td class="num">2</td>`, `<td class="num">3</td>`},
			bars:   []*regexp.Regexp{bar("sexual", "bar bar-hidden", "0", "<5"), bar("reflection period started", "bar bar-hidden", "0", "<5")},
			hidden: 13,
		},
		{
			name: "auditor, one shelter", user: "aud", path: "/reports/annual?year=2025&shelter=pag-asa",
			in: []string{`<h2 id="about-h">2025 · PAG-ASA</h2>`, `<option value="pag-asa" selected>PAG-ASA</option>`,
				`href="/reports/annual.xlsx?as_of=2025-06-15&amp;cutoff={head}&amp;shelter=pag-asa&amp;year=2025"`,
				`href="/reports/annual-be.csv?as_of=2025-06-15&amp;cutoff={head}&amp;shelter=pag-asa&amp;year=2025"`,
				`<a href="/reports/policy?shelter=pag-asa&amp;year=2025" id="policy-link">`,
				`href="/reports/anonymized.csv?as_of=2025-06-15&amp;cutoff={head}&amp;year=2025"`},
			hidden: 13,
		},
		{
			name: "supervisor, a year without cases", user: "sam", path: "/reports/annual?year=2024",
			in: []string{`<option value="2024" selected>2024</option>`, `<span id="identified">0</span>`, `<dd id="as-of">31/12/2024</dd>`,
				`href="/reports/annual.csv?as_of=2024-12-31&amp;cutoff={head}&amp;year=2024"`},
			bars: []*regexp.Regexp{bar("sexual", "bar", "0", "0")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.loggedIn(t, tt.user).get(tt.path)
			if r.Code != http.StatusOK {
				t.Fatalf("got %d, want 200; body:\n%s", r.Code, r.Body)
			}
			// Showing the page records nothing: its cut-off is the head.
			head := strconv.FormatInt(auditHead(t, e), 10)
			for _, s := range tt.in {
				s = strings.ReplaceAll(s, "{head}", head)
				if !strings.Contains(r.Body, s) {
					t.Errorf("page does not show %s", s)
				}
			}
			for _, s := range tt.out {
				if strings.Contains(r.Body, s) {
					t.Errorf("page shows %s: %s", s, snippet(r.Body, s))
				}
			}
			if strings.Contains(r.Body, "⟦") {
				t.Errorf("page shows an untranslated key: %s", snippet(r.Body, "⟦"))
			}
			if strings.Contains(r.Body, " style=") {
				t.Errorf("page has an inline style attribute (the CSP forbids it): %s", snippet(r.Body, " style="))
			}
			svgs := svgPattern.FindAllStringSubmatch(r.Body, -1)
			if len(svgs) != 2 || svgs[0][1] != "chart-exploitation" || svgs[1][1] != "chart-permits" {
				t.Fatalf("charts: got %v, want chart-exploitation and chart-permits", svgs)
			}
			for _, m := range svgs {
				if m[2] != m[1] || m[3] != m[1] || !strings.Contains(r.Body, `<title id="`+m[1]+`-title">`) ||
					!strings.Contains(r.Body, `<desc id="`+m[1]+`-desc">`) {
					t.Errorf("chart %s is not labelled by its own title and description", m[1])
				}
			}
			if got, want := len(barPattern.FindAllString(r.Body, -1)), 7+6; got != want {
				t.Errorf("bars: got %d, want %d (7 exploitation types, 6 permit stages)", got, want)
			}
			if got := strings.Count(r.Body, `<rect class="bar bar-hidden" x="8" y=`); got != tt.hidden {
				t.Errorf("hidden bars: got %d, want %d", got, tt.hidden)
			}
			if tt.hidden > 0 && strings.Count(r.Body, `<rect class="bar bar-hidden" x="8" y=`) != strings.Count(r.Body, `width="0" height="16"`) {
				t.Errorf("a hidden bar has a length")
			}
			for _, re := range tt.bars {
				if !re.MatchString(strings.ReplaceAll(r.Body, "&lt;", "<")) {
					t.Errorf("chart has no bar matching %s", re)
				}
			}
		})
	}
}

// TestReportsFrench checks that the page and its charts use the user's
// language for the category labels, and rule ids as they are.
func TestReportsFrench(t *testing.T) {
	e := reportsEnv(t)
	b := e.loggedIn(t, "sam")
	b.get("/reports/annual?lang=fr")
	r := b.get("/reports/annual")
	for _, s := range []string{
		`<h1>Rapport annuel</h1>`, cell("sexual", "sexuelle", "2"), cell("reflection_started", "période de réflexion commencée", "2"),
		`<title id="chart-exploitation-title">Victimes par type d&#39;exploitation</title>`, cell("R01", "R01", "0"),
		`<a href="/reports/annual" aria-current="page">Rapports</a>`,
	} {
		if !strings.Contains(r.Body, s) {
			t.Errorf("French page does not show %s", s)
		}
	}
}

// TestReportsAccess checks the roles: supervisors and auditors read the
// report, only auditors get the anonymized export, other roles get the
// 403 page and a visitor is sent to the login page.
func TestReportsAccess(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		path  string
		allow []string
	}{
		{"/reports/annual", []string{"sam", "aud"}},
		{"/reports/annual.xlsx?year=2025", []string{"sam", "aud"}},
		{"/reports/annual.csv?year=2025", []string{"sam", "aud"}},
		{"/reports/anonymized.csv?year=2025", []string{"aud"}},
	}
	users := []string{"ana", "sam", "bob", "aud", "adm"}
	browsers := map[string]*browser{}
	for _, u := range users {
		browsers[u] = e.loggedIn(t, u)
	}
	for _, tt := range tests {
		for _, u := range users {
			t.Run(u+tt.path, func(t *testing.T) {
				r := browsers[u].get(tt.path)
				if contains(tt.allow, u) {
					if r.Code != http.StatusOK {
						t.Fatalf("got %d, want 200; body:\n%s", r.Code, r.Body)
					}
					return
				}
				if r.Code != http.StatusForbidden || !strings.Contains(r.Body, "Your role does not give access to this page.") {
					t.Fatalf("got %d, want 403 with the forbidden page", r.Code)
				}
			})
		}
		t.Run("visitor"+tt.path, func(t *testing.T) {
			r := e.browser(t).get(tt.path)
			if r.Code != http.StatusSeeOther || !toLogin(r.Header.Get("Location")) {
				t.Fatalf("got %d to %q, want 303 to /login", r.Code, r.Header.Get("Location"))
			}
		})
	}
	for _, tt := range []struct{ user, want string }{
		{"sam", `<a href="/reports/annual">Reports</a>`},
		{"aud", `<a href="/reports/annual">Reports</a>`},
		{"ana", ""},
		{"adm", ""},
	} {
		r := browsers[tt.user].get("/")
		r = browsers[tt.user].get(r.Header.Get("Location"))
		if got := strings.Contains(r.Body, `href="/reports/annual"`); got != (tt.want != "") || !strings.Contains(r.Body, tt.want) {
			t.Errorf("%s: menu has a Reports link: got %t, want %t", tt.user, got, tt.want != "")
		}
	}
}

// TestReportsDownloads checks the files: their type, name and content,
// and the record of each export in the audit chain.
func TestReportsDownloads(t *testing.T) {
	e := reportsEnv(t)
	tests := []struct {
		name, user, path  string
		contentType, file string
		event, shelter    string
		params            map[string]any
		check             func(t *testing.T, body string)
	}{
		{
			name: "supervisor xlsx", user: "sam", path: "/reports/annual.xlsx?year=2025",
			contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			file:        "casemgr-annual-2025-payoke.xlsx", event: "export_annual_report", shelter: "payoke",
			params: map[string]any{"year": float64(2025), "format": "xlsx", "shelter": "payoke", "small_cell_protection": true},
			check: func(t *testing.T, body string) {
				if !strings.HasPrefix(body, "PK\x03\x04") {
					t.Fatalf("xlsx: got a file starting %q, want a zip (PK)", body[:min(4, len(body))])
				}
			},
		},
		{
			name: "supervisor csv, exact", user: "sam", path: "/reports/annual.csv?year=2025",
			contentType: "text/csv; charset=utf-8",
			file:        "casemgr-annual-2025-payoke.csv", event: "export_annual_report", shelter: "payoke",
			params: map[string]any{"year": float64(2025), "format": "csv", "shelter": "payoke", "small_cell_protection": false},
			check: func(t *testing.T, body string) {
				if got := csvValue(t, body, "victims.by_exploitation", "sexual"); got != "2" {
					t.Fatalf("csv sexual: got %q, want 2", got)
				}
			},
		},
		{
			name: "auditor csv of one shelter, protected", user: "aud", path: "/reports/annual.csv?year=2025&shelter=pag-asa",
			contentType: "text/csv; charset=utf-8",
			file:        "casemgr-annual-2025-pag-asa.csv", event: "export_annual_report", shelter: "pag-asa",
			params: map[string]any{"year": float64(2025), "format": "csv", "shelter": "pag-asa", "small_cell_protection": true},
			check: func(t *testing.T, body string) {
				if got := csvValue(t, body, "victims", "identified"); got != "<5" {
					t.Fatalf("csv identified: got %q, want <5", got)
				}
			},
		},
		{
			// k=3: three people; with the default k the export would keep
			// no row (TestAnonymizedEmpty).
			name: "auditor anonymized", user: "aud", path: "/reports/anonymized.csv?year=2025&k=3",
			contentType: "text/csv; charset=utf-8",
			file:        "casemgr-anonymized-2025-k3.csv", event: "export_anonymized", shelter: "",
			params: map[string]any{"year": float64(2025), "format": "csv", "k": float64(3)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.countRows(t, "audit_log")
			r := e.loggedIn(t, tt.user).get(tt.path)
			if r.Code != http.StatusOK {
				t.Fatalf("got %d, want 200; body:\n%s", r.Code, r.Body)
			}
			if got := r.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type: got %q, want %q", got, tt.contentType)
			}
			if got, want := r.Header.Get("Content-Disposition"), `attachment; filename=`+tt.file; got != want {
				t.Errorf("Content-Disposition: got %q, want %q", got, want)
			}
			if tt.check != nil {
				tt.check(t, r.Body)
			}
			// Logging in adds records too: the export is the last one.
			if n := e.countRows(t, "audit_log"); n <= before {
				t.Fatalf("audit records: got %d, want more than %d", n, before)
			}
			var last audit.Record
			if err := e.DB.Read.Order("seq DESC").Limit(1).Find(&last).Error; err != nil {
				t.Fatal(err)
			}
			if last.Event != tt.event || last.Actor != tt.user || last.Shelter != tt.shelter {
				t.Fatalf("last record: got %s by %s (shelter %q), want %s by %s (shelter %q)",
					last.Event, last.Actor, last.Shelter, tt.event, tt.user, tt.shelter)
			}
			var data map[string]any
			if err := json.Unmarshal([]byte(last.Data), &data); err != nil {
				t.Fatalf("record data %s: %v", last.Data, err)
			}
			for k, want := range tt.params {
				if got := data[k]; got != want {
					t.Errorf("record data %s: got %v, want %v", k, got, want)
				}
			}
			if got := data["bytes"]; got != float64(len(r.Body)) {
				t.Errorf("record data bytes: got %v, want %d", got, len(r.Body))
			}
		})
	}
}

// csvValue reads a value of the annual report's long CSV format.
func csvValue(t *testing.T, body, section, key string) string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("parse csv: %v", err)
	}
	for _, r := range rows {
		if len(r) == 3 && r[0] == section && r[1] == key {
			return r[2]
		}
	}
	t.Fatalf("csv has no %s.%s", section, key)
	return ""
}

// badLink is the message of a download link whose cutoff or as_of is not
// valid.
const badLink = "This download link is not valid (its data cut-off or its date). Open the report page again and use its links."

// TestReportsErrors checks that a report that cannot be made shows the
// error page with the reason (422), and that a refused export is not
// recorded.
func TestReportsErrors(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, user, path, want string
	}{
		{"year before the first", "sam", "/reports/annual?year=1999", "Choose a year from 2000 to 2025."},
		{"year after this one", "aud", "/reports/annual?year=2026", "Choose a year from 2000 to 2025."},
		{"year not a number", "sam", "/reports/annual?year=last", "Choose a year from 2000 to 2025."},
		{"unknown shelter", "aud", "/reports/annual?shelter=nowhere", "There is no such shelter."},
		{"xlsx of 1999", "sam", "/reports/annual.xlsx?year=1999", "Choose a year from 2000 to 2025."},
		{"anonymized of 1999", "aud", "/reports/anonymized.csv?year=1999", "Choose a year from 2000 to 2025."},
		{"cutoff not a number", "sam", "/reports/annual.csv?year=2025&cutoff=head", badLink},
		{"cutoff zero", "aud", "/reports/annual.xlsx?year=2025&cutoff=0", badLink},
		{"cutoff negative", "sam", "/reports/annual.csv?year=2025&cutoff=-3", badLink},
		{"cutoff after the head", "sam", "/reports/annual.csv?year=2025&cutoff=999999", badLink},
		{"as_of not a date", "sam", "/reports/annual.csv?year=2025&as_of=15/06/2025", badLink},
		{"as_of in the future", "sam", "/reports/annual.csv?year=2025&as_of=2025-06-16", badLink},
		{"anonymized cutoff not a number", "aud", "/reports/anonymized.csv?year=2025&cutoff=1e3", badLink},
		{"anonymized as_of not a date", "aud", "/reports/anonymized.csv?year=2025&as_of=2025-6-1", badLink},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.loggedIn(t, tt.user)
			before := e.countRows(t, "audit_log")
			r := b.get(tt.path)
			if r.Code != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422", r.Code)
			}
			if want := `<p class="alert" role="alert">` + tt.want + `</p>`; !strings.Contains(r.Body, want) {
				t.Fatalf("error page does not show %s", want)
			}
			if n := e.countRows(t, "audit_log"); n != before {
				t.Fatalf("audit records: got %d, want %d (nothing exported)", n, before)
			}
		})
	}
}

// TestReportsProtectedMix checks an auditor's page where some counts are
// shown and others hidden: a shown count gets a bar proportional to it,
// a hidden one ("<5", or "x" for complementary suppression) a bar of zero
// length with its marker, and an adjusted total is marked.
func TestReportsProtectedMix(t *testing.T) {
	e := reportsEnv(t)
	for i := range 6 {
		openCase(t, e, "ana", "Extra"+string(rune('A'+i)), "", "sexual")
	}
	// Four more in another small category: the hidden exploitation cells
	// then hold 5 together (labour 1, forced begging 4), so no complement
	// hides sexual.
	for i := range 4 {
		openCase(t, e, "ana", "Begging"+string(rune('A'+i)), "", "forced_begging")
	}
	r := e.loggedIn(t, "aud").get("/reports/annual?year=2025&shelter=payoke")
	if r.Code != http.StatusOK {
		t.Fatalf("got %d, want 200", r.Code)
	}
	body := strings.ReplaceAll(r.Body, "&lt;", "<")
	tests := []struct {
		name string
		want *regexp.Regexp
	}{
		{"shown count, longest bar", bar("sexual", "bar", "560", "8")},
		{"small count hidden", bar("labour", "bar bar-hidden", "0", "<5")},
		{"permits hidden", bar("reflection period started", "bar bar-hidden", "0", "<5")},
		{"identified shown", regexp.MustCompile(`<span id="identified">12</span>`)},
		{"complementary suppression", regexp.MustCompile(`<tr data-key="[a-z_]+"><th scope="row">[^<]+</th><td class="num hidden-count">x</td></tr>`)},
		{"adjusted total", regexp.MustCompile(`<th scope="row">Total <span aria-hidden="true">\*</span></th><td class="num">[^<]+</td></tr></tfoot>\s*</table><p class="hint">\* Adjusted total`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.want.MatchString(body) {
				t.Fatalf("page does not match %s", tt.want)
			}
		})
	}
}

// auditHead is the seq of the chain's last record.
func auditHead(t *testing.T, e *env) int64 {
	t.Helper()
	var head int64
	if err := e.DB.Read.Model(&audit.Record{}).Select("COALESCE(MAX(seq), 0)").Scan(&head).Error; err != nil {
		t.Fatalf("audit head: %v", err)
	}
	return head
}

// lastExport is the data of the chain's last record, which must be the
// export event.
func lastExport(t *testing.T, e *env, event string) map[string]any {
	t.Helper()
	var last audit.Record
	if err := e.DB.Read.Order("seq DESC").Limit(1).Find(&last).Error; err != nil {
		t.Fatal(err)
	}
	if last.Event != event {
		t.Fatalf("last record: got %s, want %s", last.Event, event)
	}
	var data map[string]any
	if err := json.Unmarshal([]byte(last.Data), &data); err != nil {
		t.Fatalf("record data %s: %v", last.Data, err)
	}
	return data
}

var (
	cutoffPattern = regexp.MustCompile(`<dd id="cutoff">audit record ([0-9]+)`)
	asOfPattern   = regexp.MustCompile(`<dd id="as-of">([0-9]{2})/([0-9]{2})/([0-9]{4})</dd>`)
)

// TestReportsDownloadCutoff checks that a file downloaded from a page's
// link holds the page's data: the audit seq and the as-of day the page
// states, even after other downloads moved the chain's head and the day
// changed.
func TestReportsDownloadCutoff(t *testing.T) {
	e := reportsEnv(t)
	tests := []struct {
		name, user, page string
		link             *regexp.Regexp
		event            string
		// check reads the file's own statement of its cut-off, if it has one.
		check func(t *testing.T, body string) (seq, asOf string)
	}{
		{
			name: "supervisor csv", user: "sam", page: "/reports/annual",
			link: regexp.MustCompile(`href="(/reports/annual\.csv\?[^"]+)"`), event: "export_annual_report",
			check: func(t *testing.T, body string) (string, string) {
				return csvValue(t, body, "meta", "audit_seq"), csvValue(t, body, "meta", "as_of")
			},
		},
		{
			name: "supervisor xlsx", user: "sam", page: "/reports/annual",
			link: regexp.MustCompile(`href="(/reports/annual\.xlsx\?[^"]+)"`), event: "export_annual_report",
		},
		{
			name: "auditor csv of one shelter", user: "aud", page: "/reports/annual?year=2025&shelter=pag-asa",
			link: regexp.MustCompile(`href="(/reports/annual\.csv\?[^"]+)"`), event: "export_annual_report",
			check: func(t *testing.T, body string) (string, string) {
				return csvValue(t, body, "meta", "audit_seq"), csvValue(t, body, "meta", "as_of")
			},
		},
		{
			name: "auditor anonymized", user: "aud", page: "/reports/annual?year=2025",
			link: regexp.MustCompile(`href="(/reports/anonymized\.csv\?[^"]+)"`), event: "export_anonymized",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.loggedIn(t, tt.user)
			r := b.get(tt.page)
			if r.Code != http.StatusOK {
				t.Fatalf("page: got %d, want 200", r.Code)
			}
			m := cutoffPattern.FindStringSubmatch(r.Body)
			d := asOfPattern.FindStringSubmatch(r.Body)
			l := tt.link.FindStringSubmatch(r.Body)
			if m == nil || d == nil || l == nil {
				t.Fatalf("page shows no cut-off, as-of day or link (%v, %v, %v)", m, d, l)
			}
			seq, asOf, link := m[1], d[3]+"-"+d[2]+"-"+d[1], html.UnescapeString(l[1])
			if tt.event == "export_anonymized" {
				link += "&k=3" // a k that keeps rows of three people
			}

			// Another download moves the head; a day passes.
			if r := b.get(link); r.Code != http.StatusOK {
				t.Fatalf("first download: got %d, want 200", r.Code)
			}
			e.Clock.Advance(14 * time.Hour)
			b = e.loggedIn(t, tt.user)
			if head := strconv.FormatInt(auditHead(t, e), 10); head == seq {
				t.Fatalf("head: got %s, want past the page's %s", head, seq)
			}

			r = b.get(link)
			if r.Code != http.StatusOK {
				t.Fatalf("download: got %d, want 200; body:\n%s", r.Code, r.Body)
			}
			if tt.check != nil {
				gotSeq, gotAsOf := tt.check(t, r.Body)
				if gotSeq != seq || gotAsOf != asOf {
					t.Errorf("file cut-off: got seq %s as of %s, want seq %s as of %s (the page's)", gotSeq, gotAsOf, seq, asOf)
				}
			}
			data := lastExport(t, e, tt.event)
			if got := strconv.FormatFloat(data["cutoff_seq"].(float64), 'f', -1, 64); got != seq {
				t.Errorf("recorded cutoff_seq: got %s, want %s", got, seq)
			}
			if got := data["as_of"]; got != asOf {
				t.Errorf("recorded as_of: got %v, want %s", got, asOf)
			}
		})
	}
}

// policyEnv is a population for the caseload what-if, all identified on
// 2025-06-01, the clock at 2025-06-15. At payoke: Grace has a provisional
// permit (complaint on 10 June) and her case is dismissed on 12 June, so
// R07 puts her residence and services at critical risk for 4 days (12 to
// 15 June), which no_dismissal_window spares; Zoé's status is withdrawn
// for contact with the trafficker on 5 June (R23 under both rules, 11
// days). At pag-asa: Ama's case is dismissed on 6 June and her status
// withdrawn for the dismissal on 8 June (R07 then R23, 10 days, all
// spared).
func policyEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	a := openCase(t, e, "ana", "Grace", "1998-04-17", "sexual")
	b := openCase(t, e, "ana", "Zoé", "", "sexual", "labour")
	c := openCase(t, e, "bob", "Ama", "", "labour")
	for _, ev := range []struct {
		user, id, typ, on, reason string
	}{
		{"ana", a.ID, "start_reflection", "2025-06-02", ""},
		{"ana", a.ID, "file_complaint", "2025-06-10", ""},
		{"ana", a.ID, "dismiss_case", "2025-06-12", ""},
		{"ana", b.ID, "start_reflection", "2025-06-03", ""},
		{"ana", b.ID, "withdraw_status", "2025-06-05", "contact_with_trafficker"},
		{"bob", c.ID, "start_reflection", "2025-06-04", ""},
		{"bob", c.ID, "file_complaint", "2025-06-05", ""},
		{"bob", c.ID, "dismiss_case", "2025-06-06", ""},
		{"bob", c.ID, "withdraw_status", "2025-06-08", "dismissal"},
	} {
		in := eventInput(ev.typ, ev.on)
		if ev.reason != "" {
			in.Data = map[string]any{"reason": ev.reason}
		}
		if _, err := e.Cases.RecordEvent(t.Context(), e.actors[ev.user], ev.id, in); err != nil {
			t.Fatalf("record %s: %v", ev.typ, err)
		}
	}
	return e
}

// policyRow is a row of a what-if table: its figure for residence,
// services and either, as the page shows them.
func policyRow(key, label string, values ...string) string {
	kinds := []string{"residence", "services", "residence_or_services"}
	s := `<tr data-key="` + key + `"><th scope="row">` + label + `</th>`
	for i, v := range values {
		class := "num"
		if strings.HasPrefix(v, "&lt;") || strings.HasPrefix(v, "x") {
			class = "num hidden-count"
		}
		s += `<td class="` + class + `" data-kind="` + kinds[i] + `">` + v + `</td>`
	}
	return s + `</tr>`
}

// TestPolicyPage checks the what-if page: the form alone until a change
// is chosen (nothing recorded), then a supervisor's exact figures of
// their shelter and an auditor's protected ones, the two charts, the
// download links pinned to the page's cut-off, and the record of the
// page in the audit chain with the digest of what was sent.
func TestPolicyPage(t *testing.T) {
	e := policyEnv(t)
	tests := []struct {
		name, user, path string
		// shelter is the record's scope; "" when the page computes nothing.
		shelter string
		in, out []string
		bars    []*regexp.Regexp
	}{
		{
			name: "supervisor, the form", user: "sam", path: "/reports/policy",
			in: []string{`<option value="" selected>Choose a change…</option>`, `<option value="reflection_90_days">The reflection period lasts 90 days instead of 45</option>`,
				`<option value="2025" selected>2025</option>`, `<a href="/reports/annual?year=2025" id="annual-link">`},
			out: []string{`id="report-about"`, `id="p-shelter"`, `<svg`, `error-summary`},
		},
		{
			name: "supervisor, no_dismissal_window", user: "sam", path: "/reports/policy?year=2025&change=no_dismissal_window", shelter: "payoke",
			in: []string{
				`<h2 id="about-h">2025 · Payoke</h2>`, `<strong>A dismissal never ends victim status</strong>`,
				`<option value="no_dismissal_window" selected>A dismissal never ends victim status</option>`,
				`<dd id="replayed">2</dd>`, `<dd id="as-of">15/06/2025</dd>`, `<p id="protection">Exact figures`,
				policyRow("kept", "would have kept it all year", "1", "1", "1"),
				policyRow("still_at_risk", "still at risk", "1", "1", "1"),
				policyRow("newly_at_risk", "newly at risk", "0", "0", "0"),
				policyRow("total", "at risk under either rules", "2", "2", "2"),
				policyRow("now", "at risk under the current rules", "2", "2", "2"),
				policyRow("changed", "at risk under the change", "1", "1", "1"),
				policyRow("victims_fewer_days", "with fewer days at risk", "1", "1", "1"),
				policyRow("days_at_risk", "days at risk under the current rules", "15", "15", "15"),
				policyRow("days_at_risk_changed", "days at risk under the change", "11", "11", "11"),
				policyRow("days_kept", "days kept (at risk now, not under the change)", "4", "4", "4"),
				`href="/reports/policy.csv?as_of=2025-06-15&amp;change=no_dismissal_window&amp;cutoff={head}&amp;year=2025"`,
				`href="/reports/policy-be.csv?as_of=2025-06-15&amp;change=no_dismissal_window&amp;cutoff={head}&amp;year=2025"`,
			},
			out: []string{`id="p-shelter"`, "&lt;5", "Grace", "Zoé", "Ama", `error-summary`},
			bars: []*regexp.Regexp{
				bar("Residence, current rules", "bar", "560", "2"), bar("Residence, with the change", "bar bar-alt", "280", "1"),
				bar("Either, current rules", "bar", "560", "15"), bar("Either, with the change", "bar bar-alt", "410.7", "11"),
			},
		},
		{
			name: "supervisor asking for another shelter gets their own", user: "sam",
			path: "/reports/policy?year=2025&change=no_dismissal_window&shelter=pag-asa", shelter: "payoke",
			in:  []string{`<h2 id="about-h">2025 · Payoke</h2>`, policyRow("kept", "would have kept it all year", "1", "1", "1")},
			out: []string{"PAG-ASA"},
		},
		{
			name: "auditor, all shelters", user: "aud", path: "/reports/policy?year=2025&change=no_dismissal_window", shelter: "all",
			in: []string{
				`<h2 id="about-h">2025 · all shelters</h2>`, `<option value="" selected>all shelters</option>`, `<dd id="replayed">&lt;5</dd>`,
				policyRow("kept", "would have kept it all year", "&lt;5", "&lt;5", "&lt;5"),
				policyRow("now", "at risk under the current rules", "x", "x", "x"),
				policyRow("days_kept", "days kept (at risk now, not under the change)", "x", "x", "x"),
				`<div id="protection">`, `<dd>fewer than 5</dd>`, `or it sums the days of fewer than 5 victims`,
				`href="/reports/policy.csv?as_of=2025-06-15&amp;change=no_dismissal_window&amp;cutoff={head}&amp;year=2025"`,
			},
			out:  []string{`data-kind="residence">1</td>`, `data-kind="residence">2</td>`, `>15</td>`},
			bars: []*regexp.Regexp{bar("Residence, current rules", "bar bar-hidden", "0", "x"), bar("Services, with the change", "bar bar-hidden", "0", "x")},
		},
		{
			name: "auditor, one shelter", user: "aud", path: "/reports/policy?year=2025&change=reflection_90_days&shelter=pag-asa", shelter: "pag-asa",
			in: []string{`<h2 id="about-h">2025 · PAG-ASA</h2>`, `<option value="pag-asa" selected>PAG-ASA</option>`,
				`<strong>The reflection period lasts 90 days instead of 45</strong>`,
				`href="/reports/policy-be.csv?as_of=2025-06-15&amp;change=reflection_90_days&amp;cutoff={head}&amp;shelter=pag-asa&amp;year=2025"`,
				`<a href="/reports/annual?shelter=pag-asa&amp;year=2025" id="annual-link">`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.loggedIn(t, tt.user)
			before := auditHead(t, e)
			r := b.get(tt.path)
			if r.Code != http.StatusOK {
				t.Fatalf("got %d, want 200; body:\n%s", r.Code, r.Body)
			}
			for _, s := range tt.in {
				s = strings.ReplaceAll(s, "{head}", strconv.FormatInt(before, 10))
				if !strings.Contains(r.Body, s) {
					t.Errorf("page does not show %s", s)
				}
			}
			for _, s := range tt.out {
				if strings.Contains(r.Body, s) {
					t.Errorf("page shows %s: %s", s, snippet(r.Body, s))
				}
			}
			for _, s := range []string{"⟦", " style="} {
				if strings.Contains(r.Body, s) {
					t.Errorf("page has %q (an untranslated key or an inline style): %s", s, snippet(r.Body, s))
				}
			}
			for _, re := range tt.bars {
				if !re.MatchString(strings.ReplaceAll(r.Body, "&lt;", "<")) {
					t.Errorf("chart has no bar matching %s", re)
				}
			}
			head := auditHead(t, e)
			if tt.shelter == "" {
				if head != before {
					t.Errorf("audit head: got %d, want %d (the form alone records nothing)", head, before)
				}
				return
			}
			svgs := svgPattern.FindAllStringSubmatch(r.Body, -1)
			if len(svgs) != 2 || svgs[0][1] != "chart-victims" || svgs[1][1] != "chart-days" {
				t.Fatalf("charts: got %v, want chart-victims and chart-days", svgs)
			}
			if got := len(barPattern.FindAllString(r.Body, -1)); got != 12 {
				t.Errorf("bars: got %d, want 12 (3 outcomes × 2 rules × 2 charts)", got)
			}
			if head != before+1 {
				t.Fatalf("audit head: got %d, want %d (one record of the page)", head, before+1)
			}
			data := lastExport(t, e, "export_policy_report")
			sum := sha256.Sum256([]byte(r.Body))
			for k, want := range map[string]any{
				"format": "html", "shelter": tt.shelter, "year": float64(2025), "cutoff_seq": float64(before), "as_of": "2025-06-15",
				"small_cell_protection": tt.user == "aud", "sha256": hex.EncodeToString(sum[:]), "bytes": float64(len(r.Body)),
			} {
				if got := data[k]; got != want {
					t.Errorf("record data %s: got %v, want %v", k, got, want)
				}
			}
		})
	}
}

// TestPolicyErrors checks that a bad year, change or shelter shows the
// form again (422) with the error listed at the top, linked to its
// field, and the field marked; nothing is computed or recorded. A
// download with a bad parameter gets the error page.
func TestPolicyErrors(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, user, path string
		want             []string // field id and message
		selected         string   // the change the form shows chosen
	}{
		{"unknown change", "sam", "/reports/policy?year=2025&change=no_police", []string{"p-change", "Change of the rules: Choose one of the changes in the list."}, ""},
		{"empty change", "aud", "/reports/policy?year=2025&change=", []string{"p-change", "Change of the rules: Choose one of the changes in the list."}, ""},
		{"year before the first", "sam", "/reports/policy?year=1999&change=no_dismissal_window", []string{"p-year", "Year: Choose a year from 2000 to 2025."}, "no_dismissal_window"},
		{"year after this one", "aud", "/reports/policy?year=2026&change=reflection_90_days", []string{"p-year", "Year: Choose a year from 2000 to 2025."}, "reflection_90_days"},
		{"year and change", "sam", "/reports/policy?year=last&change=x", []string{"p-year", "Year: Choose a year from 2000 to 2025.",
			"p-change", "Change of the rules: Choose one of the changes in the list."}, ""},
		{"unknown shelter", "aud", "/reports/policy?year=2025&change=no_dismissal_window&shelter=nowhere", []string{"p-shelter", "Shelter: There is no such shelter."}, "no_dismissal_window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.loggedIn(t, tt.user)
			before := auditHead(t, e)
			r := b.get(tt.path)
			if r.Code != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422", r.Code)
			}
			if !strings.Contains(r.Body, `<div class="error-summary" role="alert" id="error-summary" tabindex="-1">`) {
				t.Fatalf("page has no error summary")
			}
			for i := 0; i < len(tt.want); i += 2 {
				id, msg := tt.want[i], html.EscapeString(tt.want[i+1])
				if link := `<li><a href="#` + id + `">` + msg + `</a></li>`; !strings.Contains(r.Body, link) {
					t.Errorf("error summary has no %s", link)
				}
				if field := `<select id="` + id + `" name="` + strings.TrimPrefix(id, "p-") + `"`; !strings.Contains(r.Body, field+` required aria-invalid="true" aria-describedby="`+id+`-err"`) &&
					!strings.Contains(r.Body, field+` aria-invalid="true" aria-describedby="`+id+`-err"`) {
					t.Errorf("field %s is not marked invalid: %s", id, snippet(r.Body, field))
				}
				if !strings.Contains(r.Body, `<p class="field-error" id="`+id+`-err">`) {
					t.Errorf("field %s has no error message", id)
				}
			}
			if strings.Contains(r.Body, `id="report-about"`) {
				t.Errorf("page shows figures despite the error")
			}
			// The form keeps a valid change; a bad one is asked again.
			m := regexp.MustCompile(`<select id="p-change"[^>]*>(.*?)</select>`).FindStringSubmatch(r.Body)
			if m == nil || strings.Count(m[1], " selected>") != 1 || !strings.Contains(m[1], `<option value="`+tt.selected+`" selected>`) {
				t.Errorf("change select: want %q alone selected, got %v", tt.selected, m)
			}
			if head := auditHead(t, e); head != before {
				t.Errorf("audit head: got %d, want %d (nothing computed)", head, before)
			}
		})
	}
	for _, tt := range []struct{ name, path, want string }{
		{"csv, unknown change", "/reports/policy.csv?year=2025&change=no_police", "Choose one of the changes in the list."},
		{"csv-be, no change", "/reports/policy-be.csv?year=2025", "Choose one of the changes in the list."},
		{"csv, bad cutoff", "/reports/policy.csv?year=2025&change=no_dismissal_window&cutoff=0", badLink},
		{"csv-be of 1999", "/reports/policy-be.csv?year=1999&change=no_dismissal_window", "Choose a year from 2000 to 2025."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := e.loggedIn(t, "sam")
			before := auditHead(t, e)
			r := b.get(tt.path)
			if want := `<p class="alert" role="alert">` + tt.want + `</p>`; r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, want) {
				t.Fatalf("got %d, want 422 with %s", r.Code, want)
			}
			if head := auditHead(t, e); head != before {
				t.Errorf("audit head: got %d, want %d (nothing exported)", head, before)
			}
		})
	}
}

// TestPolicyAccess checks the roles of the what-if page and files, and
// the menu's link.
func TestPolicyAccess(t *testing.T) {
	e := newEnv(t)
	paths := []string{
		"/reports/policy?year=2025&change=no_dismissal_window",
		"/reports/policy.csv?year=2025&change=no_dismissal_window",
		"/reports/policy-be.csv?year=2025&change=no_dismissal_window",
		"/reports/annual-be.csv?year=2025",
	}
	for _, path := range paths {
		for _, u := range []string{"ana", "sam", "bob", "aud", "adm"} {
			t.Run(u+path, func(t *testing.T) {
				r := e.loggedIn(t, u).get(path)
				if u == "sam" || u == "aud" {
					if r.Code != http.StatusOK {
						t.Fatalf("got %d, want 200; body:\n%s", r.Code, r.Body)
					}
					return
				}
				if r.Code != http.StatusForbidden || !strings.Contains(r.Body, "Your role does not give access to this page.") {
					t.Fatalf("got %d, want 403 with the forbidden page", r.Code)
				}
			})
		}
		t.Run("visitor"+path, func(t *testing.T) {
			r := e.browser(t).get(path)
			if r.Code != http.StatusSeeOther || !toLogin(r.Header.Get("Location")) {
				t.Fatalf("got %d to %q, want 303 to /login", r.Code, r.Header.Get("Location"))
			}
		})
	}
	for _, tt := range []struct {
		user string
		want bool
	}{{"sam", true}, {"aud", true}, {"ana", false}, {"adm", false}} {
		b := e.loggedIn(t, tt.user)
		r := b.get("/")
		r = b.get(r.Header.Get("Location"))
		if got := strings.Contains(r.Body, `<li><a href="/reports/policy">Rules what-if</a></li>`); got != tt.want {
			t.Errorf("%s: menu has the what-if link: got %t, want %t", tt.user, got, tt.want)
		}
	}
	r := e.loggedIn(t, "sam").get("/reports/policy")
	if !strings.Contains(r.Body, `<a href="/reports/policy" aria-current="page">Rules what-if</a>`) {
		t.Errorf("menu does not mark the what-if page as current")
	}
}

// TestPolicyDownloads checks the files of the what-if page's links, csv
// and csv-be, and the annual page's csv-be: type, name, separators, the
// figures of the page at its cut-off, and the record of each export.
func TestPolicyDownloads(t *testing.T) {
	e := policyEnv(t)
	tests := []struct {
		name, user, page string
		link             *regexp.Regexp
		file, event      string
		sep              rune
		bom              bool
		section, key     string
		want             string
	}{
		{"supervisor csv", "sam", "/reports/policy?year=2025&change=no_dismissal_window",
			regexp.MustCompile(`href="(/reports/policy\.csv\?[^"]+)"`), "casemgr-policy-2025-no_dismissal_window-payoke.csv",
			"export_policy_report", ',', false, "outcome.residence", "days_kept", "4"},
		{"supervisor csv-be", "sam", "/reports/policy?year=2025&change=no_dismissal_window",
			regexp.MustCompile(`href="(/reports/policy-be\.csv\?[^"]+)"`), "casemgr-policy-2025-no_dismissal_window-payoke.csv",
			"export_policy_report", ';', true, "outcome.residence_or_services", "kept", "1"},
		{"auditor csv-be of one shelter", "aud", "/reports/policy?year=2025&change=no_dismissal_window&shelter=pag-asa",
			regexp.MustCompile(`href="(/reports/policy-be\.csv\?[^"]+)"`), "casemgr-policy-2025-no_dismissal_window-pag-asa.csv",
			"export_policy_report", ';', true, "outcome.residence", "kept", "<5"},
		{"annual csv-be", "sam", "/reports/annual?year=2025",
			regexp.MustCompile(`href="(/reports/annual-be\.csv\?[^"]+)"`), "casemgr-annual-2025-payoke.csv",
			"export_annual_report", ';', true, "victims.by_exploitation", "sexual", "2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.loggedIn(t, tt.user)
			page := b.get(tt.page)
			m, d, l := cutoffPattern.FindStringSubmatch(page.Body), asOfPattern.FindStringSubmatch(page.Body), tt.link.FindStringSubmatch(page.Body)
			if page.Code != http.StatusOK || m == nil || d == nil || l == nil {
				t.Fatalf("page: got %d, cut-off %v, as of %v, link %v", page.Code, m, d, l)
			}
			seq, asOf := m[1], d[3]+"-"+d[2]+"-"+d[1]
			e.Clock.Advance(14 * time.Hour) // the next day: the link keeps the page's as-of day
			b = e.loggedIn(t, tt.user)
			r := b.get(html.UnescapeString(l[1]))
			if r.Code != http.StatusOK {
				t.Fatalf("download: got %d, want 200; body:\n%s", r.Code, r.Body)
			}
			if got, want := r.Header.Get("Content-Disposition"), "attachment; filename="+tt.file; got != want {
				t.Errorf("Content-Disposition: got %q, want %q", got, want)
			}
			if got := r.Header.Get("Content-Type"); got != "text/csv; charset=utf-8" {
				t.Errorf("Content-Type: got %q", got)
			}
			body, hasBOM := strings.CutPrefix(r.Body, "\ufeff")
			if hasBOM != tt.bom {
				t.Errorf("byte order mark: got %t, want %t", hasBOM, tt.bom)
			}
			cr := csv.NewReader(strings.NewReader(body))
			cr.Comma = tt.sep
			rows, err := cr.ReadAll()
			if err != nil {
				t.Fatalf("parse csv (separator %q): %v", tt.sep, err)
			}
			got := map[string]string{}
			for _, row := range rows {
				if len(row) != 3 {
					t.Fatalf("row %q: want section, key, value", row)
				}
				got[row[0]+"."+row[1]] = row[2]
			}
			if v := got[tt.section+"."+tt.key]; v != tt.want {
				t.Errorf("%s.%s: got %q, want %q", tt.section, tt.key, v, tt.want)
			}
			if got["meta.audit_seq"] != seq || got["meta.as_of"] != asOf {
				t.Errorf("file cut-off: got seq %s as of %s, want the page's, seq %s as of %s", got["meta.audit_seq"], got["meta.as_of"], seq, asOf)
			}
			data := lastExport(t, e, tt.event)
			if data["format"] != map[bool]string{true: "csv-be", false: "csv"}[tt.bom] {
				t.Errorf("record format: got %v", data["format"])
			}
			if sum := sha256.Sum256([]byte(r.Body)); data["sha256"] != hex.EncodeToString(sum[:]) {
				t.Errorf("record sha256: got %v, want the file's", data["sha256"])
			}
		})
	}
}

// TestPolicyLanguages checks that the what-if page, its change titles
// and charts have every text in each language.
func TestPolicyLanguages(t *testing.T) {
	e := policyEnv(t)
	for _, tt := range []struct{ lang, title, change, chart string }{
		{"en", "<h1>What if the rules changed</h1>", `<option value="no_child_cooperation">A child&#39;s residence is not tied to cooperation with the authorities</option>`,
			`<title id="chart-days-title">Days at critical risk, current rules and with the change</title>`},
		{"fr", "<h1>Et si les règles changeaient</h1>", `<option value="no_child_cooperation">Le séjour d&#39;un enfant n&#39;est pas lié à sa coopération avec les autorités</option>`,
			`<title id="chart-days-title">Jours de risque critique, règles actuelles et avec le changement</title>`},
		{"nl", "<h1>Wat als de regels veranderden</h1>", `<option value="no_child_cooperation">Het verblijf van een kind hangt niet af van medewerking met de autoriteiten</option>`,
			`<title id="chart-days-title">Dagen met een kritiek risico, huidige regels en met de wijziging</title>`},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			b := e.loggedIn(t, "sam")
			b.get("/reports/policy?lang=" + tt.lang)
			r := b.get("/reports/policy?year=2025&change=reflection_90_days")
			for _, s := range []string{tt.title, tt.change, tt.chart} {
				if !strings.Contains(r.Body, s) {
					t.Errorf("page does not show %s", s)
				}
			}
			if strings.Contains(r.Body, "⟦") {
				t.Errorf("page shows an untranslated key: %s", snippet(r.Body, "⟦"))
			}
		})
	}
}
