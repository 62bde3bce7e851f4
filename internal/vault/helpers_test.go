package vault

import (
	"encoding/base64"
	"path/filepath"
	"testing"
)

// openTestKeys opens Keys in a fresh directory and fails the test on error.
func openTestKeys(t testing.TB) *Keys {
	t.Helper()
	return openKeysIn(t, filepath.Join(t.TempDir(), "data"))
}

// openKeysIn opens Keys in dir and fails the test on error.
func openKeysIn(t testing.TB, dir string) *Keys {
	t.Helper()
	k, _, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatalf("Open(%s): got error %v, want nil", dir, err)
	}
	return k
}

// newTestDataKey makes a data key for caseID and fails the test on error.
func newTestDataKey(t testing.TB, k *Keys, caseID string) (DataKey, []byte) {
	t.Helper()
	dk, wrapped, err := k.NewDataKey(caseID)
	if err != nil {
		t.Fatalf("NewDataKey(%q): got error %v, want nil", caseID, err)
	}
	return dk, wrapped
}

// wrappedKEKID reads the KEK id carried by a wrapped data key.
func wrappedKEKID(t testing.TB, wrapped []byte) string {
	t.Helper()
	if len(wrapped) < 2 || len(wrapped) < 2+int(wrapped[1]) {
		t.Fatalf("wrapped key of %d bytes has no KEK id", len(wrapped))
	}
	return string(wrapped[2 : 2+int(wrapped[1])])
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
