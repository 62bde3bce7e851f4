package vault

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadOrCreateKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys", "sub")
	path := filepath.Join(dir, "checkpoint.key")
	key, created, err := LoadOrCreateKeyFile(path)
	if err != nil || !created || len(key) != keySize {
		t.Fatalf("first call: got %d-byte key, created %v, error %v; want a new 32-byte key", len(key), created, err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode: got %04o, want %04o", p, got, want)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory: got %d entries, want only the key file (no temporary file left)", len(entries))
	}
	again, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created || !bytes.Equal(again, key) {
		t.Errorf("second call: got created %v, error %v, same key %v; want the stored key", created, err, bytes.Equal(again, key))
	}
	read, err := ReadKeyFile(path)
	if err != nil || !bytes.Equal(read, key) {
		t.Errorf("ReadKeyFile: got error %v, same key %v; want the stored key", err, bytes.Equal(read, key))
	}
}

func TestReadKeyFileRefusals(t *testing.T) {
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		want    string
	}{
		{"world-readable", b64(bytes.Repeat([]byte{1}, 32)), 0o644, "chmod 600"},
		{"group-writable", b64(bytes.Repeat([]byte{1}, 32)), 0o620, "chmod 600"},
		{"short key", b64(bytes.Repeat([]byte{1}, 31)), 0o600, "key is 31 bytes, want 32"},
		{"not base64", "not a key!", 0o600, "not valid standard base64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "checkpoint.key")
			if err := os.WriteFile(path, []byte(tc.content+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			for _, read := range []func(string) error{
				func(p string) error { _, err := ReadKeyFile(p); return err },
				func(p string) error { _, _, err := LoadOrCreateKeyFile(p); return err },
			} {
				err := read(path)
				if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("got error %v, want one naming %s and saying %q", err, path, tc.want)
				}
			}
			if got, err := os.ReadFile(path); err != nil || string(got) != tc.content+"\n" {
				t.Errorf("file after refusal: got %q, %v; want it untouched", got, err)
			}
		})
	}
	if _, err := ReadKeyFile(filepath.Join(t.TempDir(), "missing.key")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v, want an error matching fs.ErrNotExist", err)
	}
}

func TestCreateExclusiveKeepsExistingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kek.keys")
	if err := os.WriteFile(path, []byte("first\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	made, err := createExclusive(path, []byte("second\n"))
	if err != nil || made {
		t.Fatalf("createExclusive over an existing file: got made %v, error %v; want false, nil", made, err)
	}
	if got, _ := os.ReadFile(path); string(got) != "first\n" {
		t.Errorf("content: got %q, want the first file's", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory: got %d entries, want 1 (no temporary file left)", len(entries))
	}
}
