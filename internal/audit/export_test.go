package audit

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// trickyChain builds an intact chain whose text fields need CSV
// neutralising, quoting and JSON escaping.
func trickyChain(t *testing.T) []Record {
	t.Helper()
	recs := memChain(t, 6)
	recs[1].Actor = "=HYPERLINK(\"http://x\")"
	recs[2].Shelter = "+32 sürya, \"Liège\""
	recs[3].CaseRef = "-1"
	recs[4].Actor = "@sum"
	recs[5].Shelter = "\ttabbed 😀 \\ </script>"
	d, err := DataOf(map[string]any{"fields": []string{"=a", "b,c"}, "n": -3, "ok": true, "s": "x\"y\n"})
	if err != nil {
		t.Fatalf("DataOf: %v", err)
	}
	recs[2].Data = d
	prev := ZeroHash
	for i := range recs {
		recs[i].PrevHash = prev
		rehash(t, &recs[i])
		prev = recs[i].Hash
	}
	return recs
}

func exportBytes(t *testing.T, f Format, recs []Record, flushRows int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewExportWriter(&buf, f, Fields())
	if err != nil {
		t.Fatalf("NewExportWriter: %v", err)
	}
	w.FlushRows = flushRows
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatalf("Write seq %d: %v", r.Seq, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := w.Rows(); got != int64(len(recs)) {
		t.Errorf("Rows: got %d, want %d", got, len(recs))
	}
	return buf.Bytes()
}

func readBack(t *testing.T, f Format, b []byte) []Record {
	t.Helper()
	var got []Record
	if err := ReadExport(bytes.NewReader(b), f, func(r Record) error { got = append(got, r); return nil }); err != nil {
		t.Fatalf("ReadExport %s: %v\n%s", f, err, b)
	}
	return got
}

func TestExportRoundTrip(t *testing.T) {
	recs := trickyChain(t)
	for _, f := range []Format{FormatJSON, FormatNDJSON, FormatCSV} {
		t.Run(string(f), func(t *testing.T) {
			b := exportBytes(t, f, recs, 2)
			got := readBack(t, f, b)
			if !slices.Equal(got, recs) {
				t.Errorf("round trip:\ngot  %+v\nwant %+v", got, recs)
			}
			v := NewVerifier()
			for _, r := range got {
				v.Add(r)
			}
			if res := v.Result(); !res.OK || res.Records != 6 {
				t.Errorf("verify read-back: got %+v, want ok with 6 records", res)
			}
		})
	}
}

func TestExportCSVShape(t *testing.T) {
	recs := trickyChain(t)
	b := string(exportBytes(t, FormatCSV, recs, 0))
	lines := strings.Split(strings.TrimSuffix(b, "\r\n"), "\r\n")
	if got, want := lines[0], strings.Join(Fields(), ","); got != want {
		t.Errorf("header: got %q, want %q", got, want)
	}
	if got, want := len(lines), 1+len(recs); got != want {
		t.Errorf("got %d CRLF-terminated lines, want %d", got, want)
	}
	for _, want := range []string{
		`,"'=HYPERLINK(""http://x"")",`,       // neutralised, then quoted
		`,"'+32 sürya, ""Liège""",`,           // neutralised, quoted for the comma
		`,'-1,`,                               // case_ref
		`,'@sum,`,                             // actor
		`,'` + "\t" + `tabbed 😀 \ </script>,`, // a leading tab
		`"{""fields"":[""=a"",""b,c""],""n"":-3,""ok"":true,""s"":""x\""y\n""}"`, // data: its JCS text, never neutralised
	} {
		if !strings.Contains(b, want) {
			t.Errorf("CSV: got no %q in\n%s", want, b)
		}
	}
}

func TestExportJSONShape(t *testing.T) {
	recs := trickyChain(t)
	var doc struct {
		Items []json.RawMessage `json:"items"`
	}
	b := exportBytes(t, FormatJSON, recs, 1)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("JSON export is not a JSON document: %v\n%s", err, b)
	}
	if got := len(doc.Items); got != len(recs) {
		t.Fatalf("got %d items, want %d", got, len(recs))
	}
	dec := json.NewDecoder(bytes.NewReader(doc.Items[0]))
	var keys []string
	dec.Token()
	for dec.More() {
		tok, _ := dec.Token()
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	if !slices.Equal(keys, Fields()) {
		t.Errorf("keys: got %v, want %v", keys, Fields())
	}
	if empty := exportBytes(t, FormatJSON, nil, 0); string(empty) != "{\"items\":[]}\n" {
		t.Errorf("empty JSON export: got %q, want %q", empty, "{\"items\":[]}\n")
	}
	if empty := exportBytes(t, FormatNDJSON, nil, 0); len(empty) != 0 {
		t.Errorf("empty NDJSON export: got %q, want nothing", empty)
	}
}

// The documented examples are what the writer produces (the doc shows CSV
// lines without their carriage returns).
func TestExportMatchesDocExample(t *testing.T) {
	recs := exampleRecords(t)
	if got, want := string(exportBytes(t, FormatNDJSON, recs, 0)), docBlock(t, "ndjson"); got != want {
		t.Errorf("NDJSON:\ngot  %s\nwant %s", got, want)
	}
	got := strings.ReplaceAll(string(exportBytes(t, FormatCSV, recs, 0)), "\r\n", "\n")
	if want := docBlock(t, "csv"); got != want {
		t.Errorf("CSV:\ngot  %s\nwant %s", got, want)
	}
}

func TestAppendJSONDamagedRecord(t *testing.T) {
	r := memChain(t, 1)[0]
	r.Data = `{"a":1` // not an object any more
	r.Actor = "bad \xff byte"
	b, _ := r.AppendJSON(nil)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("AppendJSON of a damaged record is not JSON: %v: %s", err, b)
	}
	if got, want := m["data"], `{"a":1`; got != want {
		t.Errorf("data: got %#v, want the damaged text as a string %q", got, want)
	}
	if got, want := m["actor"], "bad \uFFFD byte"; got != want {
		t.Errorf("actor: got %q, want %q", got, want)
	}
}

func TestNeutraliseCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""}, {"payoke", "payoke"}, {"=1+2", "'=1+2"}, {"+32", "'+32"}, {"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"}, {"\tx", "'\tx"}, {"\rx", "'\rx"}, {"a=b", "a=b"}, {"{}", "{}"}, {"17", "17"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := NeutraliseCell(tt.in)
			if got != tt.want {
				t.Errorf("NeutraliseCell(%q): got %q, want %q", tt.in, got, tt.want)
			}
			if back := RestoreCell(got); back != tt.in {
				t.Errorf("RestoreCell(%q): got %q, want %q", got, back, tt.in)
			}
		})
	}
}

func TestAppendRefusesUnexportableText(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Record)
		want   string
	}{
		{"apostrophe actor", func(r *Record) { r.Actor = "'u-1" }, "actor"},
		{"apostrophe shelter", func(r *Record) { r.Shelter = "'x" }, "shelter"},
		{"line feed", func(r *Record) { r.CaseRef = "a\nb" }, "case_ref"},
		{"carriage return", func(r *Record) { r.RulesVersion = "v\r" }, "rules_version"},
		{"unit separator", func(r *Record) { r.Actor = "a\x1fb" }, "actor"},
		{"nul", func(r *Record) { r.Event = "x\x00" }, "event"},
	}
	db := newTestDB(t, 1)
	var c clock
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRecord(t, 1, &c)
			tt.mutate(&r)
			err := db.write.Transaction(func(tx *gorm.DB) error { return Append(tx, &r) })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error naming %s", err, tt.want)
			}
		})
	}
	ok := testRecord(t, 1, &c)
	ok.Actor = "=not-a-formula" // allowed: the CSV export neutralises it
	if err := db.write.Transaction(func(tx *gorm.DB) error { return Append(tx, &ok) }); err != nil {
		t.Errorf("append with a leading '=': got %v, want nil", err)
	}
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name, file, head string
		want             Format
		wantErr          bool
	}{
		{"ndjson extension", "x.ndjson", "", FormatNDJSON, false},
		{"jsonl extension", "x.JSONL", "", FormatNDJSON, false},
		{"csv extension", "dir/x.csv", "{", FormatCSV, false},
		{"json extension", "x.json", "", FormatJSON, false},
		{"sniff json", "export", ` {"items":[`, FormatJSON, false},
		{"sniff ndjson", "export", `{"seq":1,`, FormatNDJSON, false},
		{"sniff csv with BOM", "export.txt", "\xef\xbb\xbfseq;recorded_at", FormatCSV, false},
		{"unknown", "export", "hello", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DetectFormat(tt.file, []byte(tt.head))
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("DetectFormat(%q, %q): got %q, %v; want %q, error %v", tt.file, tt.head, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestReadExportExcelCSV(t *testing.T) {
	recs := trickyChain(t)
	// Belgian Excel: ';' as delimiter and a UTF-8 byte-order mark.
	var buf bytes.Buffer
	buf.WriteString("\xef\xbb\xbf")
	cw := csv.NewWriter(&buf)
	cw.Comma, cw.UseCRLF = ';', true
	cw.Write(Fields())
	for _, r := range recs {
		cells := r.AppendCells(nil)
		for i := range cells {
			cells[i] = NeutraliseCell(cells[i])
		}
		cw.Write(cells)
	}
	cw.Flush()
	if got := readBack(t, FormatCSV, buf.Bytes()); !slices.Equal(got, recs) {
		t.Errorf("Excel CSV:\ngot  %+v\nwant %+v", got, recs)
	}
}

func TestReadExportRejects(t *testing.T) {
	good := string(exportBytes(t, FormatCSV, memChain(t, 2), 0))
	tests := []struct {
		name, in string
		f        Format
		want     string
	}{
		{"csv empty", "", FormatCSV, "empty"},
		{"csv wrong header", strings.Replace(good, "seq,", "id,", 1), FormatCSV, "header"},
		{"csv short row", good + "3,x\r\n", FormatCSV, "line 4"},
		{"csv bad seq", strings.Replace(good, "\r\n2,", "\r\n02,", 1), FormatCSV, "seq"},
		{"ndjson not json", "{\"seq\":1}\nnot json\n", FormatNDJSON, "line 1"},
		{"json not items", `{"records":[]}`, FormatJSON, "items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ReadExport(strings.NewReader(tt.in), tt.f, func(Record) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

// dayChain appends records on four days (two per day) for shelters a and
// b and cases c1 and c2, and returns them.
func dayChain(t *testing.T, db *gorm.DB) []Record {
	t.Helper()
	var out []Record
	days := []string{"2026-03-01", "2026-03-02", "2026-03-04", "2026-03-05"}
	for i, d := range days {
		for j := range 2 {
			at, _ := time.Parse(time.DateOnly, d)
			r := Record{
				RecordedAt: FormatTime(at.Add(time.Duration(j*23)*time.Hour + 59*time.Minute)), OccurredOn: d,
				CaseID: fmt.Sprintf("c%d", j+1), CaseRef: "REF", Shelter: []string{"a", "b"}[i%2],
				Actor: "u", ActorRole: "caseworker", Event: "prove_identity", RulesVersion: "v",
			}
			if err := db.Transaction(func(tx *gorm.DB) error { return Append(tx, &r) }); err != nil {
				t.Fatalf("append: %v", err)
			}
			out = append(out, r)
		}
	}
	return out
}

func TestSelect(t *testing.T) {
	db := newTestDB(t, 1)
	dayChain(t, db.write)
	// seq: 1,2 on 03-01 (00:59, 23:59, shelter a); 3,4 on 03-02 (b);
	// 5,6 on 03-04 (a); 7,8 on 03-05 (b). Odd seqs are c1, even c2.
	tests := []struct {
		name string
		f    Filter
		want []int64
	}{
		{"all", Filter{}, []int64{1, 2, 3, 4, 5, 6, 7, 8}},
		{"one day, both ends inclusive", Filter{From: "2026-03-02", To: "2026-03-02"}, []int64{3, 4}},
		{"from only", Filter{From: "2026-03-04"}, []int64{5, 6, 7, 8}},
		{"to only", Filter{To: "2026-03-01"}, []int64{1, 2}},
		{"day without records", Filter{From: "2026-03-03", To: "2026-03-03"}, nil},
		{"after the end", Filter{From: "2026-03-06"}, nil},
		{"before the start", Filter{To: "2026-02-28"}, nil},
		{"shelter", Filter{Shelter: "b"}, []int64{3, 4, 7, 8}},
		{"case and range", Filter{CaseID: "c1", From: "2026-03-02", To: "2026-03-04"}, []int64{3, 5}},
		{"unknown shelter", Filter{Shelter: "zz"}, nil},
		{"max seq", Filter{MaxSeq: 5, From: "2026-03-02"}, []int64{3, 4, 5}},
		{"after: the next page", Filter{After: 5}, []int64{6, 7, 8}},
		{"after with a shelter", Filter{After: 4, Shelter: "b"}, []int64{7, 8}},
		{"after before from", Filter{After: 2, From: "2026-03-04"}, []int64{5, 6, 7, 8}},
		{"after the last", Filter{After: 8}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int64
			err := Select(t.Context(), db.write, tt.f, func(r Record) error { got = append(got, r.Seq); return nil })
			if err != nil {
				t.Fatalf("Select: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got seqs %v, want %v", got, tt.want)
			}
		})
	}
	if err := Select(t.Context(), db.write, Filter{From: "2026-3-1"}, func(Record) error { return nil }); err == nil {
		t.Errorf("Select with a malformed date: got nil, want an error")
	}
}

func TestNewVerifierFrom(t *testing.T) {
	recs := memChain(t, 8)
	tests := []struct {
		name    string
		first   int64
		prev    string
		feed    []Record
		wantOK  bool
		wantBad int64
	}{
		{"segment", 4, recs[2].Hash, recs[3:], true, 0},
		{"same as NewVerifier", 1, ZeroHash, recs, true, 0},
		{"wrong prev hash", 4, recs[1].Hash, recs[3:], false, 4},
		{"gap inside", 4, recs[2].Hash, append(slices.Clone(recs[3:5]), recs[6:]...), false, 6},
		{"seq zero", 0, ZeroHash, recs, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewVerifierFrom(tt.first, tt.prev)
			for _, r := range tt.feed {
				v.Add(r)
			}
			res := v.Result()
			if res.OK != tt.wantOK || res.FirstBadSeq != tt.wantBad {
				t.Errorf("got ok %v first bad %d (%s), want ok %v first bad %d", res.OK, res.FirstBadSeq, res.Reason, tt.wantOK, tt.wantBad)
			}
			if tt.wantOK && res.HeadSeq != 8 {
				t.Errorf("got head seq %d, want 8", res.HeadSeq)
			}
		})
	}
}

func TestVerifyExport(t *testing.T) {
	recs := memChain(t, 8)
	altered := slices.Clone(recs)
	altered[4].Actor = "u-2"
	relinked := slices.Clone(recs) // record 5 altered and every hash recomputed from there
	relinked[4].Actor = "u-2"
	for i := 4; i < len(relinked); i++ {
		relinked[i].PrevHash = relinked[i-1].Hash
		rehash(t, &relinked[i])
	}
	tests := []struct {
		name       string
		recs       []Record
		filtered   bool
		wantOK     bool
		wantBad    int64
		wantSeg    bool
		wantReason string
	}{
		{name: "intact", recs: recs, wantOK: true},
		{name: "segment", recs: recs[3:], wantOK: true, wantSeg: true},
		{name: "altered", recs: altered, wantBad: 5, wantReason: "does not match"},
		{name: "deleted", recs: slices.Delete(slices.Clone(recs), 2, 3), wantBad: 3, wantReason: "is itself intact"},
		{name: "reordered", recs: []Record{recs[0], recs[1], recs[3], recs[2], recs[4]}, wantBad: 3},
		{name: "duplicated", recs: []Record{recs[0], recs[1], recs[1], recs[2]}, wantBad: 3},
		{name: "relinked from 5 on, seen from 1", recs: append(slices.Clone(recs[:4]), relinked[4:]...), wantOK: true},
		{name: "filtered", recs: []Record{recs[0], recs[2], recs[5]}, filtered: true, wantOK: true},
		{name: "filtered altered", recs: []Record{recs[0], altered[4], recs[5]}, filtered: true, wantBad: 5},
		{name: "filtered reordered", recs: []Record{recs[0], recs[5], recs[2]}, filtered: true, wantBad: 3, wantReason: "out of order"},
		{name: "filtered adjacent relink", recs: []Record{recs[0], recs[1], relinked[2]}, filtered: true, wantOK: true},
		{name: "empty", recs: nil, wantOK: true},
	}
	for _, tt := range tests {
		for _, f := range []Format{FormatNDJSON, FormatCSV, FormatJSON} {
			t.Run(tt.name+"/"+string(f), func(t *testing.T) {
				b := exportBytes(t, f, tt.recs, 0)
				res, err := VerifyExport(bytes.NewReader(b), f, ExportCheck{Filtered: tt.filtered})
				if err != nil {
					t.Fatalf("VerifyExport: %v", err)
				}
				if res.OK != tt.wantOK || res.FirstBadSeq != tt.wantBad || !strings.Contains(res.Reason, tt.wantReason) {
					t.Errorf("got ok %v, first bad %d, reason %q; want ok %v, first bad %d, reason with %q",
						res.OK, res.FirstBadSeq, res.Reason, tt.wantOK, tt.wantBad, tt.wantReason)
				}
				if res.Segment != tt.wantSeg {
					t.Errorf("segment: got %v, want %v", res.Segment, tt.wantSeg)
				}
			})
		}
	}
}

func TestVerifyExportDamagedFile(t *testing.T) {
	b := exportBytes(t, FormatNDJSON, memChain(t, 4), 0)
	lines := bytes.SplitAfter(b, []byte("\n"))
	damaged := slices.Concat(lines[0], lines[1], lines[2][:40], []byte("\n"), lines[3])
	res, err := VerifyExport(bytes.NewReader(damaged), FormatNDJSON, ExportCheck{})
	if err != nil {
		t.Fatalf("VerifyExport: %v", err)
	}
	if res.OK || res.FirstBadSeq != 3 || !strings.Contains(res.Reason, "line 3") {
		t.Errorf("got ok %v first bad %d reason %q, want broken at seq 3 naming line 3", res.OK, res.FirstBadSeq, res.Reason)
	}
}

// schemaV2 is the migration that adds audit_checkpoints and access_log.
func schemaV2(t testing.TB, db *gorm.DB) {
	t.Helper()
	for _, name := range []string{"0002_audit_access.sql", "0008_checkpoint_chain.sql"} {
		b, err := os.ReadFile("../store/migrations/sqlite/" + name)
		if err != nil {
			t.Fatalf("read migration: %v", err)
		}
		if err := db.Exec(string(b)).Error; err != nil {
			t.Fatalf("migration %s: %v", name, err)
		}
	}
}

// A row that holds the packed read's separator (only tampering can put it
// there) is still read exactly, in its place.
func TestSelectOddRow(t *testing.T) {
	db := newTestDB(t, 1)
	bulkChain(t, db.write, 10)
	for _, q := range []string{"DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET actor = 'a' || char(31) || 'b' WHERE seq IN (5, 10)"} {
		if err := db.write.Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, f := range []Filter{{}, {MaxSeq: 7}} {
		var got []Record
		if err := Select(t.Context(), db.write, f, func(r Record) error { got = append(got, r); return nil }); err != nil {
			t.Fatalf("Select: %v", err)
		}
		want := readAll(t, db.write)
		if f.MaxSeq > 0 {
			want = want[:f.MaxSeq]
		}
		if !slices.Equal(got, want) {
			t.Errorf("Select %+v:\ngot  %+v\nwant %+v", f, got, want)
		}
		if got[4].Actor != "a\x1fb" {
			t.Errorf("seq 5 actor: got %q, want %q", got[4].Actor, "a\x1fb")
		}
	}
}

// Select stops when fn fails, returning its error, and leaves no reader
// behind (the one-connection pool is usable at once).
func TestSelectStops(t *testing.T) {
	db := newTestDB(t, 1)
	bulkChain(t, db.write, 2000)
	stop := fmt.Errorf("enough")
	n := 0
	err := Select(t.Context(), db.write, Filter{}, func(Record) error {
		if n++; n == 300 {
			return stop
		}
		return nil
	})
	if err != stop || n != 300 {
		t.Fatalf("got %v after %d records, want %v after 300", err, n, stop)
	}
	if _, _, err := Head(db.write); err != nil {
		t.Errorf("the pool after an early stop: %v", err)
	}
}
