package auditor_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/auditor"
)

// The checkpoint key is read through internal/vault: a key open to others
// or not a 32-byte key is refused, naming the file, and never replaced.
func TestCheckpointKeyFileRefusals(t *testing.T) {
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		want    string
	}{
		{"world-readable", "", 0o644, "chmod 600"},
		{"not a key", "bm90IGEga2V5Cg==\n", 0o600, "want 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, 1)
			if _, err := env.Auditor.Checkpoint(t.Context(), auditorActor); err != nil {
				t.Fatalf("Checkpoint: %v", err)
			}
			path := filepath.Join(env.Dir, auditor.KeyFile)
			if tt.content != "" {
				if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			svc := auditor.NewService(env.DB, auditor.Options{KeyDir: env.Dir, Now: env.Clock.Now})
			if _, err := svc.Verify(t.Context()); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Verify: got error %v, want one naming %s and saying %q", err, path, tt.want)
			}
			if _, err := svc.Checkpoint(t.Context(), auditorActor); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Checkpoint: got error %v, want a refusal saying %q", err, tt.want)
			}
			if after, err := os.ReadFile(path); err != nil || string(after) != string(before) {
				t.Errorf("key file after refusals: got %q, %v; want it untouched", after, err)
			}
		})
	}
}
