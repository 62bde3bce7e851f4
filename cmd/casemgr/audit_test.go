package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/store"
)

// casemgr runs one command in process and returns its stdout, its stderr
// and its exit error.
func casemgr(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut syncBuffer
	err := run(context.Background(), args, testEnv(nil), strings.NewReader("a long enough password\n"), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestAuditCommands(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"migrate", "--data", dir},
		{"user", "add", "--data", dir, "--username", "olga", "--role", "auditor", "--password-stdin"},
		{"user", "add", "--data", dir, "--username", "ana", "--role", "caseworker", "--shelter", "payoke", "--password-stdin"},
	} {
		if out, errOut, err := casemgr(t, args...); err != nil {
			t.Fatalf("%v: %v\n%s%s", args, err, out, errOut)
		}
	}

	// Export in both formats; each file verifies offline, with its signed
	// manifest next to it. The first export generates the signing key.
	files := map[string]string{}
	for i, format := range []string{"ndjson", "csv"} {
		path := filepath.Join(dir, "export."+format)
		_, errOut, err := casemgr(t, "audit", "export", "--data", dir, "--format", format, "--out", path)
		if err != nil {
			t.Fatalf("export %s: %v\n%s", format, err, errOut)
		}
		if generated := strings.Contains(errOut, "Generated the checkpoint signing key "); generated != (i == 0) {
			t.Errorf("export %s: stderr %q; want the key's generation reported by the first export only", format, errOut)
		}
		if !strings.Contains(errOut, "signed manifest written to "+path+".sig.json") {
			t.Errorf("export %s: stderr %q, want the manifest's path", format, errOut)
		}
		if !regexp.MustCompile(`exported \d+ records to .*export\.` + format + ` \(this export is seq \d+ of the chain\)`).MatchString(errOut) {
			t.Errorf("export %s: stderr %q, want the summary", format, errOut)
		}
		if strings.Contains(errOut, "exported 10000 records") {
			t.Errorf("progress printed to a stderr that is not a terminal: %q", errOut)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("export file: got %v, %v; want mode 0600", fi, err)
		}
		files[format] = path
		out, _, err := casemgr(t, "audit", "verify", "--file", path)
		if err != nil || !regexp.MustCompile(`^audit export intact: \d+ records from seq 1 to seq \d+, last hash [0-9a-f]{64} \(`+format+`\)\n`+
			`signed manifest .*\.sig\.json: the file holds exactly the rows it lists \(key id [0-9a-f]{16}: compare it`).MatchString(out) {
			t.Errorf("verify %s: got %v, %q; want intact from seq 1 and the manifest matched", format, err, out)
		}
		// (e) Cut short, it still verifies as a chain but not against its
		// manifest: exit status 1.
		whole, _ := os.ReadFile(path)
		body := strings.TrimRight(string(whole), "\r\n")
		cut := filepath.Join(dir, "cut."+format)
		if err := os.WriteFile(cut, []byte(body[:strings.LastIndex(body, "\n")+1]), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, _, err := casemgr(t, "audit", "verify", "--file", cut); err != nil || !strings.Contains(out, "no signed manifest") {
			t.Errorf("verify cut %s without a manifest: got %v, %q; want intact and the warning that a cut cannot be seen", format, err, out)
		}
		out, _, err = casemgr(t, "audit", "verify", "--file", cut, "--manifest", path+".sig.json")
		var ec exitCode
		if !errors.As(err, &ec) || ec != 1 || !strings.Contains(out, "BROKEN at seq") || !strings.Contains(out, "truncated: the signed manifest lists") {
			t.Errorf("verify cut %s with its manifest: got %v, %q; want exit 1 and truncated", format, err, out)
		}
	}
	b, _ := os.ReadFile(files["ndjson"])
	lines := strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) < 6 {
		t.Fatalf("got %d lines, want at least 6", len(lines))
	}
	write := func(name string, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatalf("write: %v", err)
		}
		return p
	}
	tests := []struct {
		name    string
		file    string
		args    []string
		wantErr bool
		want    string
	}{
		{"altered", write("altered.ndjson", strings.Join(lines[:2], "")+strings.Replace(lines[2], `"actor":"system"`, `"actor":"eve"`, 1)+strings.Join(lines[3:], "")),
			nil, true, "audit export BROKEN at seq 3: "},
		{"deleted", write("deleted.ndjson", strings.Join(lines[:3], "")+strings.Join(lines[4:], "")), nil, true, "audit export BROKEN at seq 4: "},
		{"segment", write("segment.ndjson", strings.Join(lines[2:], "")), nil, false, "audit export intact: a segment starting at seq 3,"},
		{"sniffed without extension", write("export.dat", string(b)), nil, false, "audit export intact: "},
		{"not an export", write("notes.txt", "hello"), nil, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := casemgr(t, append([]string{"audit", "verify", "--file", tt.file}, tt.args...)...)
			if (err != nil) != tt.wantErr || !strings.Contains(out, tt.want) {
				t.Errorf("got %v, %q; want error %v and output with %q", err, out, tt.wantErr, tt.want)
			}
			var ec exitCode
			if tt.want != "" && tt.wantErr && (!errors.As(err, &ec) || ec != 1) {
				t.Errorf("got %v, want exit status 1", err)
			}
		})
	}

	// A shelter's export is not contiguous: each record is checked alone.
	payoke := filepath.Join(dir, "payoke.csv")
	if _, errOut, err := casemgr(t, "audit", "export", "--data", dir, "--format", "csv", "--shelter", "payoke", "--out", payoke); err != nil {
		t.Fatalf("export payoke: %v %s", err, errOut)
	}
	out, _, err := casemgr(t, "audit", "verify", "--file", payoke, "--filtered")
	if err != nil || !strings.HasPrefix(out, "records individually valid; not a contiguous chain: ") {
		t.Errorf("verify --filtered: got %v, %q", err, out)
	}
	// Under the name the server gives it, the file says it is filtered.
	named := filepath.Join(dir, "casemgr-audit-events_shelter-payoke_upto-9.csv")
	if err := os.Rename(payoke, named); err != nil {
		t.Fatal(err)
	}
	out, _, err = casemgr(t, "audit", "verify", "--file", named)
	if err != nil || !strings.Contains(out, "not a contiguous chain") || !strings.Contains(out, "as its file name says") {
		t.Errorf("verify of a filtered export by name: got %v, %q", err, out)
	}

	// Bad input names the field.
	if _, _, err := casemgr(t, "audit", "export", "--data", dir, "--format", "xml"); err == nil || !strings.Contains(err.Error(), "format") {
		t.Errorf("export --format xml: got %v, want an error naming format", err)
	}
	if _, _, err := casemgr(t, "audit", "export", "--data", dir, "--from", "2025-02-02", "--to", "2025-02-01"); err == nil || !strings.Contains(err.Error(), "to: ") {
		t.Errorf("export with an inverted range: got %v, want an error naming to", err)
	}

	// A checkpoint written to a witness file, then the database verifies
	// with it.
	witness := filepath.Join(dir, "witness.json")
	out, _, err = casemgr(t, "audit", "checkpoint", "--data", dir, "--out", witness)
	if err != nil || !regexp.MustCompile(`(?s)^checkpoint signed: seq \d+, hash [0-9a-f]{64}, signed_at \S+Z\nsignature: \S+\npublic key \(key id [0-9a-f]{16}\): \S+\nwitness file written to .*witness\.json \(checkpoint 1\)`).MatchString(out) {
		t.Fatalf("checkpoint: got %v, %q", err, out)
	}
	if fi, err := os.Stat(witness); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("witness file: got %v, %v; want mode 0600", fi, err)
	}
	out, _, err = casemgr(t, "audit", "verify", "--data", dir, "--checkpoint", witness)
	if err != nil || !strings.HasPrefix(out, "audit chain intact: ") || !strings.Contains(out, "checkpoints: 1, 1 confirmed by the chain, 0 problems") ||
		!strings.Contains(out, "witness checkpoints compared: 1") || !strings.Contains(out, "cases consistent with the chain: 0 cases") {
		t.Errorf("verify: got %v, %q", err, out)
	}
	// A second checkpoint; then someone with the database deletes it: the
	// database alone still verifies, the witness file does not.
	witness2 := filepath.Join(dir, "witness2.json")
	if out, _, err := casemgr(t, "audit", "checkpoint", "--data", dir, "--out", witness2); err != nil {
		t.Fatalf("second checkpoint: %v %s", err, out)
	}
	db, err := store.Open(store.Options{Path: filepath.Join(dir, "casemgr.db"), Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DROP TRIGGER audit_checkpoints_no_delete", "DELETE FROM audit_checkpoints WHERE number = 2"} {
		if err := db.Write.Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	if out, _, err := casemgr(t, "audit", "verify", "--data", dir); err != nil {
		t.Errorf("verify without the witness: got %v, %q; want intact (what the witness adds)", err, out)
	}
	out, _, err = casemgr(t, "audit", "verify", "--data", dir, "--checkpoint", witness, "--checkpoint", witness2)
	var ec exitCode
	if !errors.As(err, &ec) || ec != 1 || !strings.Contains(out, "audit checkpoints BAD: ") || !strings.Contains(out, "checkpoint_missing") {
		t.Errorf("verify with the witness of the deleted checkpoint: got %v, %q; want exit 1 and checkpoint_missing", err, out)
	}
	if _, _, err := casemgr(t, "audit", "frobnicate"); err == nil || !strings.Contains(err.Error(), "casemgr audit export") {
		t.Errorf("unknown audit command: got %v, want the usage", err)
	}
}
