package vault

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestCheckPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "checkpoint.key")
	tests := []struct {
		name      string
		dirMode   os.FileMode
		fileMode  os.FileMode // 0: no file
		wantInErr string      // "" when accepted
	}{
		{"private", 0o700, 0o600, ""},
		{"no key file yet", 0o700, 0, ""},
		{"directory open to others", 0o755, 0o600, "run chmod 700 " + dir},
		{"directory open to the group", 0o750, 0o600, "has mode 0750"},
		{"key readable by all", 0o700, 0o644, "run chmod 600 " + file},
		{"key readable by the group", 0o700, 0o640, "has mode 0640"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(file)
			if tt.fileMode != 0 {
				if err := os.WriteFile(file, []byte("x\n"), tt.fileMode); err != nil {
					t.Fatal(err)
				}
				os.Chmod(file, tt.fileMode)
			}
			if err := os.Chmod(dir, tt.dirMode); err != nil {
				t.Fatal(err)
			}
			defer os.Chmod(dir, 0o700)
			err := CheckPrivateDir(dir)
			if err == nil {
				err = CheckPrivateFile(file)
			}
			if tt.wantInErr == "" && err != nil || tt.wantInErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantInErr)) {
				t.Errorf("got %v, want an error with %q", err, tt.wantInErr)
			}
		})
	}
	if err := CheckPrivateDir(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("missing directory: got %v, want nil", err)
	}
}
