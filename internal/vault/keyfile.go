package vault

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// This file is the one place that reads and creates key files, for Open and
// for the other packages that keep a secret next to them (the audit
// checkpoint key of internal/auditor): one format, one permission check.

// ReadKeyFile reads a file holding one 32-byte key as a line of standard
// base64. It refuses a file that group or others may access, one that is not
// a regular file and one whose content is not such a key; the error names
// the file and never contains its content. A missing file gives an error
// that matches fs.ErrNotExist.
func ReadKeyFile(path string) ([]byte, error) {
	data, _, err := readSecretFile(path, maxKeyFileSize)
	if err != nil {
		return nil, err
	}
	key, err := decodeKey(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("vault: %s: %w", path, err)
	}
	return key, nil
}

// LoadOrCreateKeyFile reads a key file as ReadKeyFile does or, when it does
// not exist, creates it with 32 random bytes: mode 0600 in a directory
// created 0700 if missing, never half written, never replacing a file made
// meanwhile by another process (whose key it then returns). created reports
// whether this call made the file.
func LoadOrCreateKeyFile(path string) (key []byte, created bool, err error) {
	key, err = ReadKeyFile(path)
	if err == nil {
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("vault: create key directory: %w", err)
	}
	key = make([]byte, keySize)
	rand.Read(key)
	line := base64.StdEncoding.EncodeToString(key) + "\n"
	made, err := createExclusive(path, []byte(line))
	if err != nil {
		return nil, false, err
	}
	if !made { // another process won the race: use its key
		key, err = ReadKeyFile(path)
		if err != nil {
			return nil, false, err
		}
	}
	return key, made, nil
}

// readSecretFile opens a key file, refuses it when group or others have any
// access to it, and reads at most limit bytes. A missing file gives an error
// that matches fs.ErrNotExist.
func readSecretFile(path string, limit int64) ([]byte, os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("vault: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("vault: %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("vault: %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, nil, fmt.Errorf("vault: key file %s has mode %04o, open to group or others: run chmod 600 %s", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, nil, fmt.Errorf("vault: read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, nil, fmt.Errorf("vault: %s is larger than %d bytes", path, limit)
	}
	return data, fi, nil
}

// createExclusive creates path with mode 0600 holding data. The data goes to
// a synced temporary file that is then hard-linked to path, so path never
// exists half written (a crash mid-write would otherwise leave a key file
// that every later start refuses) and an existing file is never replaced.
// It reports false, without error, when path already exists.
func createExclusive(path string, data []byte) (bool, error) {
	dir := filepath.Dir(path)
	tmp, err := writeTemp(path, data)
	if err != nil {
		return false, fmt.Errorf("vault: create %s: %w", path, err)
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("vault: create %s: %w", path, err)
	}
	return true, syncDir(dir)
}

// writeFileAtomic replaces path with data: a temporary file (mode 0600) in the
// same directory is written, synced and renamed over path, then the directory
// is synced, so a crash leaves either the old or the new file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // no-op once renamed
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// writeTemp writes data to a new temporary file with mode 0600 next to path,
// synced, and returns its name; the caller links or renames it into place
// and removes it.
func writeTemp(path string, data []byte) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("create temporary file: %w", err)
	}
	name := tmp.Name()
	fail := func(err error) (string, error) {
		tmp.Close()
		os.Remove(name)
		return "", err
	}
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fail(fmt.Errorf("chmod %s: %w", name, err))
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(fmt.Errorf("write %s: %w", name, err))
	}
	if err := tmp.Sync(); err != nil {
		return fail(fmt.Errorf("sync %s: %w", name, err))
	}
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return "", fmt.Errorf("close %s: %w", name, err)
	}
	return name, nil
}

// syncDir makes a directory entry change durable (a no-op on Windows).
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("vault: open directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("vault: sync directory %s: %w", dir, err)
	}
	return nil
}
