package audit

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"
)

// The worked example and the Python verifier in docs/audit.md are checked
// here, so the document cannot drift from the code.

const docPath = "../../docs/audit.md"

// docBlock returns the fenced code block that follows <!-- example:name -->
// in docs/audit.md, without its fences.
func docBlock(t *testing.T, name string) string {
	t.Helper()
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("read %s: %v", docPath, err)
	}
	marker := "<!-- example:" + name + " -->\n```"
	_, rest, ok := strings.Cut(string(doc), marker)
	if !ok {
		t.Fatalf("%s: no block marked %q", docPath, name)
	}
	_, rest, _ = strings.Cut(rest, "\n") // the info string
	body, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("%s: block %q is not closed", docPath, name)
	}
	return body
}

func TestDocWorkedExample(t *testing.T) {
	want := exampleRecords(t)

	lines := strings.Split(strings.TrimSpace(docBlock(t, "ndjson")), "\n")
	if len(lines) != len(want) {
		t.Fatalf("NDJSON example: got %d lines, want %d", len(lines), len(want))
	}
	v := NewVerifier()
	for i, line := range lines {
		var got Record
		if err := got.UnmarshalJSON([]byte(line)); err != nil {
			t.Fatalf("NDJSON example line %d: %v", i+1, err)
		}
		if got != want[i] {
			t.Errorf("NDJSON example line %d:\ngot  %+v\nwant %+v", i+1, got, want[i])
		}
		out, err := want[i].MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		if string(out) != line {
			t.Errorf("NDJSON example line %d is not what MarshalJSON writes:\ngot  %s\nwant %s", i+1, line, out)
		}
		v.Add(got)
	}
	if res := v.Result(); !res.OK || res.HeadHash != want[1].Hash {
		t.Errorf("Verifier on the NDJSON example: got %+v, want ok with head %s", res, want[1].Hash)
	}

	for i, r := range want {
		canon, err := r.Canonical()
		if err != nil {
			t.Fatalf("Canonical: %v", err)
		}
		n := i + 1
		if got := strings.TrimSpace(docBlock(t, fmt.Sprintf("canonical-%d", n))); got != string(canon) {
			t.Errorf("canonical-%d in the doc:\ngot  %s\nwant %s", n, got, canon)
		}
		if got := strings.TrimSpace(docBlock(t, fmt.Sprintf("hash-%d", n))); got != r.Hash {
			t.Errorf("hash-%d in the doc: got %s, want %s", n, got, r.Hash)
		}
		if got := independentHash(r); got != r.Hash {
			t.Errorf("record %d: independent hash %s, ComputeHash %s", n, got, r.Hash)
		}
		if n == 1 {
			doc, _ := os.ReadFile(docPath)
			if size := fmt.Sprintf("%d bytes", len(canon)); !bytes.Contains(doc, []byte(size)) {
				t.Errorf("doc: got no mention of %q, want the canonical size of record 1", size)
			}
		}
	}
}

func TestDocCSVExample(t *testing.T) {
	want := exampleRecords(t)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(Fields())
	for _, r := range want {
		w.Write(csvRow(r))
	}
	w.Flush()
	if got := docBlock(t, "csv"); got != buf.String() {
		t.Errorf("CSV example in the doc:\ngot  %s\nwant %s", got, buf.String())
	}

	// Reading the CSV back as the doc describes verifies the chain.
	rows, err := csv.NewReader(strings.NewReader(docBlock(t, "csv"))).ReadAll()
	if err != nil {
		t.Fatalf("read CSV example: %v", err)
	}
	v := NewVerifier()
	for i, row := range rows[1:] {
		seq, err := strconv.ParseInt(row[0], 10, 64)
		if err != nil {
			t.Fatalf("row %d seq: %v", i+1, err)
		}
		r := Record{Seq: seq}
		text := r.textFields()
		vals := append(row[1:13:13], row[14:]...)
		for j, f := range text {
			*f.p = vals[j]
		}
		r.Data = row[13]
		if r != want[i] {
			t.Errorf("CSV row %d: got %+v, want %+v", i+1, r, want[i])
		}
		v.Add(r)
	}
	if res := v.Result(); !res.OK || res.Records != 2 {
		t.Errorf("Verifier on the CSV example: got %+v, want ok with 2 records", res)
	}
}

// TestDocPythonVerifier runs the Python listing of docs/audit.md on the
// example, on a chain written by Append, and on a tampered copy.
func TestDocPythonVerifier(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "verify_audit.py")
	if err := os.WriteFile(script, []byte(docBlock(t, "python")), 0o600); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(docBlock(t, "python"), "\n"); n > 30 {
		t.Errorf("Python verifier: got %d lines, want about 20", n)
	}

	db := newTestDB(t, 1)
	var c clock
	appendN(t, db.write, 30, &c)
	// Keys above U+FFFF sort differently by code unit and by code point.
	for _, d := range []map[string]any{
		{"\U0001F600": 1, "\ufb33": 2, "\u20ac": 3, "\r": 4},
		{"nested": map[string]any{"b": []any{int64(-9007199254740991), "\u2028"}, "a": nil}},
	} {
		r := testRecord(t, 0, &c)
		var err error
		if r.Data, err = DataOf(d); err != nil {
			t.Fatalf("DataOf: %v", err)
		}
		if err := db.write.Transaction(func(tx *gorm.DB) error { return Append(tx, &r) }); err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
	var export bytes.Buffer
	err = Each(t.Context(), db.write, func(r Record) error {
		b, err := r.MarshalJSON()
		export.Write(b)
		export.WriteByte('\n')
		return err
	})
	if err != nil {
		t.Fatalf("Each: %v", err)
	}
	head, headHash, _ := Head(db.write)
	lines := strings.SplitAfter(export.String(), "\n")

	tests := []struct {
		name     string
		ndjson   string
		wantOK   bool
		wantText string
	}{
		{
			name:   "doc example",
			ndjson: docBlock(t, "ndjson"), wantOK: true,
			wantText: "ok: 2 records, head " + exampleRecords(t)[1].Hash,
		},
		{
			name:   "chain written by Append",
			ndjson: export.String(), wantOK: true,
			wantText: fmt.Sprintf("ok: %d records, head %s", head, headHash),
		},
		{
			name:     "to_state changed in seq 7",
			ndjson:   strings.Join(lines[:6], "") + strings.Replace(lines[6], `"to_state":"reflection"`, `"to_state":"closed"`, 1) + strings.Join(lines[7:], ""),
			wantText: "broken at seq 7: hash",
		},
		{
			name:     "seq 12 removed",
			ndjson:   strings.Join(lines[:11], "") + strings.Join(lines[12:], ""),
			wantText: "broken at seq 12: record missing",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "export.ndjson")
			if err := os.WriteFile(file, []byte(tc.ndjson), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.CommandContext(t.Context(), python, script, file).CombinedOutput()
			var exit *exec.ExitError
			if tc.wantOK && err != nil || !tc.wantOK && !errors.As(err, &exit) {
				t.Fatalf("python verifier: got error %v, output %s; want ok=%v", err, out, tc.wantOK)
			}
			if !strings.Contains(string(out), tc.wantText) {
				t.Errorf("python verifier: got %q, want it to contain %q", out, tc.wantText)
			}
		})
	}
}
