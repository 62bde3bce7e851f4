package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestOpenCreatesPrivateFilesAndReopens(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	k1, created, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatalf("Open: got error %v, want nil", err)
	}
	wantCreated := []string{"jwt.key", "note-digest.key", "index.key", "kek.keys"}
	if !slices.Equal(created, wantCreated) {
		t.Errorf("created: got %v, want %v", created, wantCreated)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm(), os.FileMode(0o700); got != want {
		t.Errorf("dir mode: got %04o, want %04o", got, want)
	}
	for _, name := range wantCreated {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("stat %s: %v", name, err)
		}
		if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
			t.Errorf("%s mode: got %04o, want %04o", name, got, want)
		}
	}
	if got := len(k1.JWTKey()); got != 32 {
		t.Errorf("JWT key length: got %d, want 32", got)
	}
	if bytes.Equal(k1.JWTKey(), k1.NoteDigestKey()) {
		t.Errorf("JWT key and note-digest key: got equal, want distinct random keys")
	}
	if got, want := k1.CurrentKEKID(), "k1"; got != want {
		t.Errorf("CurrentKEKID: got %q, want %q", got, want)
	}
	dk, wrapped := newTestDataKey(t, k1, "case-1")
	sealed, err := dk.Seal("case-1", "full_name", []byte("Amina Diallo"))
	if err != nil {
		t.Fatal(err)
	}

	k2, created, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatalf("reopen: got error %v, want nil", err)
	}
	if len(created) != 0 {
		t.Errorf("reopen created: got %v, want none", created)
	}
	if !bytes.Equal(k2.JWTKey(), k1.JWTKey()) {
		t.Errorf("reopened JWT key: got %x, want %x", k2.JWTKey(), k1.JWTKey())
	}
	if !bytes.Equal(k2.NoteDigestKey(), k1.NoteDigestKey()) {
		t.Errorf("reopened note-digest key: got %x, want %x", k2.NoteDigestKey(), k1.NoteDigestKey())
	}
	if got, want := k2.BlindIndex("Amina Diallo"), k1.BlindIndex("Amina Diallo"); got != want {
		t.Errorf("reopened BlindIndex: got %s, want %s", got, want)
	}
	dk2, err := k2.UnwrapDataKey("case-1", wrapped)
	if err != nil {
		t.Fatalf("reopened UnwrapDataKey: got error %v, want nil", err)
	}
	got, err := dk2.Open("case-1", "full_name", sealed)
	if err != nil || string(got) != "Amina Diallo" {
		t.Errorf("reopened Open: got %q, %v, want %q, nil", got, err, "Amina Diallo")
	}
}

func TestJWTKeyReturnsCopy(t *testing.T) {
	k := openTestKeys(t)
	a := k.JWTKey()
	a[0] ^= 0xff
	if bytes.Equal(a, k.JWTKey()) {
		t.Errorf("JWTKey after caller mutation: got mutated key, want the original")
	}
}

func TestOpenRefusesKeyFilesOpenToOthers(t *testing.T) {
	tests := []struct {
		name string
		file string
		mode os.FileMode
	}{
		{"jwt world-readable", "jwt.key", 0o644},
		{"note digest group-readable", "note-digest.key", 0o640},
		{"index world-readable", "index.key", 0o604},
		{"kek ring world-readable", "kek.keys", 0o644},
		{"kek ring group-writable", "kek.keys", 0o620},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			openKeysIn(t, dir)
			path := filepath.Join(dir, tc.file)
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			_, _, err := Open(Options{Dir: dir})
			if err == nil {
				t.Fatalf("Open with %s mode %04o: got nil error, want refusal", tc.file, tc.mode)
			}
			for _, want := range []string{path, "chmod 600"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error: got %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

func TestOpenRefusesGarbledKeyFiles(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	tests := []struct {
		name    string
		file    string
		content string
		want    string // part of the error besides the file name
	}{
		{"jwt not base64", "jwt.key", "not*base64\n", "base64"},
		{"jwt too short", "jwt.key", b64(key[:16]) + "\n", "16 bytes"},
		{"note digest empty", "note-digest.key", "", "0 bytes"},
		{"index too long", "index.key", b64(append(key, 1)) + "\n", "33 bytes"},
		{"ring without key", "kek.keys", "# nothing\n\n", "no key"},
		{"ring line without key", "kek.keys", "k1\n", "want"},
		{"ring bad id", "kek.keys", "key1 " + b64(key) + "\n", "bad key id"},
		{"ring zero-padded id", "kek.keys", "k01 " + b64(key) + "\n", "bad key id"},
		{"ring ids decrease", "kek.keys", "k2 " + b64(key) + "\nk1 " + b64(key) + "\n", "not greater"},
		{"ring id repeated", "kek.keys", "k1 " + b64(key) + "\nk1 " + b64(key) + "\n", "not greater"},
		{"ring short key", "kek.keys", "k1 " + b64(key[:31]) + "\n", "31 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			openKeysIn(t, dir)
			path := filepath.Join(dir, tc.file)
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := Open(Options{Dir: dir})
			if err == nil {
				t.Fatalf("Open with garbled %s: got nil error, want error", tc.file)
			}
			for _, want := range []string{path, tc.want} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error: got %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

func TestOpenWithoutDir(t *testing.T) {
	if _, _, err := Open(Options{}); err == nil {
		t.Errorf("Open with empty Dir: got nil error, want error")
	}
}

func TestOpenKEKFromEnvironment(t *testing.T) {
	kekA := b64(bytes.Repeat([]byte{0xa1}, 32))
	kekB := b64(bytes.Repeat([]byte{0xb2}, 32))

	dir := filepath.Join(t.TempDir(), "data")
	k, created, err := Open(Options{Dir: dir, KEKBase64: kekA + "\n"})
	if err != nil {
		t.Fatalf("Open with KEKBase64: got error %v, want nil", err)
	}
	if want := []string{"jwt.key", "note-digest.key", "index.key"}; !slices.Equal(created, want) {
		t.Errorf("created: got %v, want %v", created, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "kek.keys")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("kek.keys: got stat error %v, want not exist", err)
	}
	if got, want := k.CurrentKEKID(), "k1"; got != want {
		t.Errorf("CurrentKEKID: got %q, want %q", got, want)
	}
	_, wrapped := newTestDataKey(t, k, "case-1")

	tests := []struct {
		name    string
		kek     string
		wantErr error
	}{
		{"same KEK in another directory unwraps", kekA, nil},
		{"another KEK does not", kekB, ErrDecrypt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			other, _, err := Open(Options{Dir: filepath.Join(t.TempDir(), "other"), KEKBase64: tc.kek})
			if err != nil {
				t.Fatal(err)
			}
			_, err = other.UnwrapDataKey("case-1", wrapped)
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("UnwrapDataKey: got error %v, want %v", err, tc.wantErr)
			}
		})
	}

	if _, err := k.RotateKEK(); err == nil {
		t.Errorf("RotateKEK with KEK from environment: got nil error, want error")
	}
	if err := k.RetireKEK("k1"); err == nil {
		t.Errorf("RetireKEK with KEK from environment: got nil error, want error")
	}
}

func TestOpenRefusesBadKEKBase64(t *testing.T) {
	tests := []struct {
		name string
		kek  string
	}{
		{"not base64", "this is not base64!"},
		{"url alphabet", strings.Repeat("-_", 22)},
		{"31 bytes", b64(bytes.Repeat([]byte{1}, 31))},
		{"33 bytes", b64(bytes.Repeat([]byte{1}, 33))},
		{"unpadded", strings.TrimRight(b64(bytes.Repeat([]byte{1}, 32)), "=")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Open(Options{Dir: filepath.Join(t.TempDir(), "data"), KEKBase64: tc.kek})
			if err == nil {
				t.Fatalf("Open: got nil error, want error")
			}
			if strings.Contains(err.Error(), tc.kek) {
				t.Errorf("error: got %q, want it not to echo the secret", err)
			}
		})
	}
}

func TestRotateRewrapRetire(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	k := openKeysIn(t, dir)
	oldDK, oldWrapped := newTestDataKey(t, k, "case-old")
	_, staleWrapped := newTestDataKey(t, k, "case-stale") // never re-wrapped
	if got := wrappedKEKID(t, oldWrapped); got != "k1" {
		t.Fatalf("KEK id before rotation: got %q, want k1", got)
	}
	sealed, err := oldDK.Seal("case-old", "full_name", []byte("Olena Kovalenko"))
	if err != nil {
		t.Fatal(err)
	}

	newID, err := k.RotateKEK()
	if err != nil {
		t.Fatalf("RotateKEK: got error %v, want nil", err)
	}
	if newID != "k2" || k.CurrentKEKID() != "k2" {
		t.Errorf("after rotation: got new id %q, current %q, want k2, k2", newID, k.CurrentKEKID())
	}
	fi, err := os.Stat(filepath.Join(dir, "kek.keys"))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("kek.keys mode after rotation: got %04o, want 0600", got)
	}
	if _, err := k.UnwrapDataKey("case-old", oldWrapped); err != nil {
		t.Errorf("unwrap k1 key after rotation: got error %v, want nil", err)
	}
	_, newWrapped := newTestDataKey(t, k, "case-new")
	if got := wrappedKEKID(t, newWrapped); got != "k2" {
		t.Errorf("KEK id of a new data key: got %q, want k2", got)
	}

	rewrapped, changed, err := k.Rewrap("case-old", oldWrapped)
	if err != nil || !changed {
		t.Fatalf("Rewrap k1 key: got changed=%v, error %v, want true, nil", changed, err)
	}
	if got := wrappedKEKID(t, rewrapped); got != "k2" {
		t.Errorf("KEK id after Rewrap: got %q, want k2", got)
	}
	same, changed, err := k.Rewrap("case-new", newWrapped)
	if err != nil || changed || !bytes.Equal(same, newWrapped) {
		t.Errorf("Rewrap current key: got changed=%v, same bytes=%v, error %v, want false, true, nil",
			changed, bytes.Equal(same, newWrapped), err)
	}
	if _, _, err := k.Rewrap("case-other", rewrapped); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Rewrap under another case: got error %v, want ErrDecrypt", err)
	}

	if err := k.RetireKEK("k2"); err == nil {
		t.Errorf("RetireKEK(current): got nil error, want refusal")
	}
	if err := k.RetireKEK("k9"); !errors.Is(err, ErrUnknownKEK) {
		t.Errorf("RetireKEK(k9): got error %v, want ErrUnknownKEK", err)
	}
	if err := k.RetireKEK("k1"); err != nil {
		t.Fatalf("RetireKEK(k1): got error %v, want nil", err)
	}

	// A fresh process sees the retired ring too.
	reopened := openKeysIn(t, dir)
	for name, keys := range map[string]*Keys{"same Keys": k, "reopened": reopened} {
		dk, err := keys.UnwrapDataKey("case-old", rewrapped)
		if err != nil {
			t.Fatalf("%s: unwrap re-wrapped key: got error %v, want nil", name, err)
		}
		got, err := dk.Open("case-old", "full_name", sealed)
		if err != nil || string(got) != "Olena Kovalenko" {
			t.Errorf("%s: open with re-wrapped key: got %q, %v, want %q, nil", name, got, err, "Olena Kovalenko")
		}
		_, err = keys.UnwrapDataKey("case-stale", staleWrapped)
		if !errors.Is(err, ErrUnknownKEK) || !strings.Contains(err.Error(), `"k1"`) {
			t.Errorf("%s: unwrap key of retired k1: got error %v, want ErrUnknownKEK naming k1", name, err)
		}
	}

	// Ids are never reused: the next rotation gives k3, not k2 or k1.
	id, err := reopened.RotateKEK()
	if err != nil || id != "k3" {
		t.Errorf("RotateKEK after retiring k1: got %q, %v, want k3, nil", id, err)
	}
}

func TestRotationByAnotherProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	server := openKeysIn(t, dir)
	cli := openKeysIn(t, dir)
	_, oldWrapped := newTestDataKey(t, server, "case-1")

	if _, err := cli.RotateKEK(); err != nil {
		t.Fatal(err)
	}
	rewrapped, changed, err := cli.Rewrap("case-1", oldWrapped)
	if err != nil || !changed {
		t.Fatalf("CLI Rewrap: got changed=%v, error %v, want true, nil", changed, err)
	}
	// The server has not seen k2 yet: unwrapping a k2 key reloads the ring.
	if _, err := server.UnwrapDataKey("case-1", rewrapped); err != nil {
		t.Errorf("server unwrap of key re-wrapped by the CLI: got error %v, want nil", err)
	}

	if _, err := cli.RotateKEK(); err != nil { // k3, unknown to the server
		t.Fatal(err)
	}
	// A case created by the server after the rotation is wrapped with k3 at once.
	_, wrapped := newTestDataKey(t, server, "case-2")
	if got := wrappedKEKID(t, wrapped); got != "k3" {
		t.Errorf("server's new data key after CLI rotation: got KEK %q, want k3", got)
	}
	if got := server.CurrentKEKID(); got != "k3" {
		t.Errorf("server CurrentKEKID: got %q, want k3", got)
	}
}

func TestRotateRefusesWhileLocked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	k := openKeysIn(t, dir)
	lock := filepath.Join(dir, "kek.keys.lock")
	if err := os.WriteFile(lock, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := k.RotateKEK(); err == nil || !strings.Contains(err.Error(), lock) {
		t.Errorf("RotateKEK with lock file present: got %v, want error naming %s", err, lock)
	}
	if got := k.CurrentKEKID(); got != "k1" {
		t.Errorf("CurrentKEKID after refused rotation: got %q, want k1", got)
	}
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	if id, err := k.RotateKEK(); err != nil || id != "k2" {
		t.Errorf("RotateKEK after unlock: got %q, %v, want k2, nil", id, err)
	}
	if _, err := os.Stat(lock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file after rotation: got stat error %v, want not exist", err)
	}
}

func TestOpenRefusesOddKeyFiles(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		setup func(path string) error
		want  string
	}{
		{"directory instead of file", "jwt.key", func(p string) error { return os.Mkdir(p, 0o700) }, "not a regular file"},
		{"oversized ring", "kek.keys", func(p string) error {
			return os.WriteFile(p, bytes.Repeat([]byte("#\n"), 1<<20), 0o600)
		}, "larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, tc.file)
			if err := tc.setup(path); err != nil {
				t.Fatal(err)
			}
			_, _, err := Open(Options{Dir: dir})
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open: got error %v, want one naming %s and saying %q", err, path, tc.want)
			}
		})
	}
}

func TestMoveEnvironmentKEKIntoRing(t *testing.T) {
	kek := b64(bytes.Repeat([]byte{0xc3}, 32))
	dir := filepath.Join(t.TempDir(), "data")
	fromFile := openKeysIn(t, dir) // a kek.keys with another k1 exists: the environment wins
	_, fileWrapped := newTestDataKey(t, fromFile, "case-1")

	env, _, err := Open(Options{Dir: dir, KEKBase64: kek})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.UnwrapDataKey("case-1", fileWrapped); !errors.Is(err, ErrDecrypt) {
		t.Errorf("env KEK unwrapping a key of the ignored kek.keys: got error %v, want ErrDecrypt", err)
	}
	_, envWrapped := newTestDataKey(t, env, "case-2")

	// The documented move: write the same key as "k1" into kek.keys, drop the variable, rotate.
	if err := os.WriteFile(filepath.Join(dir, "kek.keys"), []byte("k1 "+kek+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ring := openKeysIn(t, dir)
	if _, err := ring.UnwrapDataKey("case-2", envWrapped); err != nil {
		t.Errorf("ring with the moved KEK: got error %v, want nil", err)
	}
	if id, err := ring.RotateKEK(); err != nil || id != "k2" {
		t.Errorf("RotateKEK after the move: got %q, %v, want k2, nil", id, err)
	}
}
