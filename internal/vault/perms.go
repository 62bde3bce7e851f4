package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
)

// CheckPrivateDir refuses a directory (the data or key directory) that
// group or others may read, write or enter: the database and key files in
// it must be the server's alone. The error names the directory and the
// mode to set. A missing directory is no error (it is created 0700).
func CheckPrivateDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("vault: %s is not a directory", dir)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return fmt.Errorf("vault: directory %s has mode %04o, open to group or others: run chmod 700 %s", dir, perm, dir)
	}
	return nil
}

// CheckPrivateFile refuses a key file that group or others may access, as
// Open does for its own files; a missing file is no error (it is created
// 0600 on first use). It lets a server refuse to start at once on a key it
// reads only later, such as the checkpoint key.
func CheckPrivateFile(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return fmt.Errorf("vault: key file %s has mode %04o, open to group or others: run chmod 600 %s", path, perm, path)
	}
	return nil
}
