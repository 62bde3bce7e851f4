package vault

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestSealOpenRoundTrip(t *testing.T) {
	k := openTestKeys(t)
	dk, _ := newTestDataKey(t, k, "case-1")
	tests := []struct {
		name      string
		field     string
		plaintext string
	}{
		{"full name", "full_name", "José de la Cruz"},
		{"date of birth", "date_of_birth", "2007-02-28"},
		{"contact", "phone", "+32 470 12 34 56"},
		{"non-Latin", "full_name", "Олена Коваленко"},
		{"long note", "note", strings.Repeat("met at the station; ", 500)},
		{"empty", "full_name", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct, err := dk.Seal("case-1", tc.field, []byte(tc.plaintext))
			if err != nil {
				t.Fatalf("Seal: got error %v, want nil", err)
			}
			if tc.plaintext == "" && ct != nil {
				t.Errorf("Seal of empty plaintext: got %x, want nil", ct)
			}
			if tc.plaintext != "" {
				if got, want := len(ct), 1+12+len(tc.plaintext)+16; got != want {
					t.Errorf("ciphertext length: got %d, want %d", got, want)
				}
				if ct[0] != 1 {
					t.Errorf("version byte: got %d, want 1", ct[0])
				}
			}
			got, err := dk.Open("case-1", tc.field, ct)
			if err != nil {
				t.Fatalf("Open: got error %v, want nil", err)
			}
			if string(got) != tc.plaintext {
				t.Errorf("Open: got %q, want %q", got, tc.plaintext)
			}
		})
	}
}

func TestOpenFailures(t *testing.T) {
	k := openTestKeys(t)
	dk, _ := newTestDataKey(t, k, "case-1")
	otherDK, _ := newTestDataKey(t, k, "case-2")
	ct, err := dk.Seal("case-1", "full_name", []byte("Amina Diallo"))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		c := bytes.Clone(ct)
		c[i] ^= 0x01
		return c
	}
	// "ab"+"c" and "a"+"bc" concatenate alike; the length-prefixed AAD must not.
	ambiguous, err := dk.Seal("ab", "c", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		key    DataKey
		caseID string
		field  string
		ct     []byte
	}{
		{"another case id", dk, "case-2", "full_name", ct},
		{"another field", dk, "case-1", "phone", ct},
		{"another case's key", otherDK, "case-1", "full_name", ct},
		{"flipped version byte", dk, "case-1", "full_name", flip(0)},
		{"flipped nonce byte", dk, "case-1", "full_name", flip(1)},
		{"flipped ciphertext byte", dk, "case-1", "full_name", flip(13)},
		{"flipped tag byte", dk, "case-1", "full_name", flip(len(ct) - 1)},
		{"truncated", dk, "case-1", "full_name", ct[:len(ct)-1]},
		{"version only", dk, "case-1", "full_name", ct[:1]},
		{"unknown version", dk, "case-1", "full_name", append([]byte{2}, ct[1:]...)},
		{"case/field boundary moved", dk, "a", "bc", ambiguous},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.key.Open(tc.caseID, tc.field, tc.ct)
			if !errors.Is(err, ErrDecrypt) {
				t.Errorf("Open: got %q, error %v, want ErrDecrypt", got, err)
			}
			if strings.Contains(errString(err), "Amina") {
				t.Errorf("error: got %q, want no plaintext in it", err)
			}
		})
	}
}

func TestSealRefusals(t *testing.T) {
	k := openTestKeys(t)
	dk, _ := newTestDataKey(t, k, "case-1")
	tests := []struct {
		name   string
		key    DataKey
		caseID string
		field  string
	}{
		{"zero DataKey", DataKey{}, "case-1", "full_name"},
		{"empty case id", dk, "", "full_name"},
		{"empty field", dk, "case-1", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.key.Seal(tc.caseID, tc.field, []byte("x"))
			if err == nil {
				t.Errorf("Seal: got %x, nil error, want error", got)
			}
		})
	}
	if _, err := (DataKey{}).Open("case-1", "full_name", []byte{1, 2, 3}); err == nil {
		t.Errorf("Open with zero DataKey: got nil error, want error")
	}
	if _, _, err := k.NewDataKey(""); err == nil {
		t.Errorf("NewDataKey(\"\"): got nil error, want error")
	}
}

func TestCiphertextsAreRandomAndOpaque(t *testing.T) {
	k := openTestKeys(t)
	dk, _ := newTestDataKey(t, k, "case-1")
	plaintext := []byte("Nadia Benali Nadia Benali")
	a, err := dk.Seal("case-1", "full_name", plaintext)
	if err != nil {
		t.Fatal(err)
	}
	b, err := dk.Seal("case-1", "full_name", plaintext)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Errorf("two seals of the same plaintext: got equal ciphertexts, want different (random nonce)")
	}
	if bytes.Equal(a[1:13], b[1:13]) {
		t.Errorf("nonces: got equal %x, want different", a[1:13])
	}
	for _, probe := range [][]byte{plaintext, []byte("Nadia"), []byte("Benali")} {
		if bytes.Contains(a, probe) {
			t.Errorf("ciphertext: got it containing %q, want no plaintext bytes", probe)
		}
	}
}

func TestWrapUnwrap(t *testing.T) {
	k := openTestKeys(t)
	otherInstall := openTestKeys(t)
	dk, wrapped := newTestDataKey(t, k, "case-1")
	if got, want := len(wrapped), 2+len("k1")+12+32+16; got != want {
		t.Errorf("wrapped length: got %d, want %d", got, want)
	}
	ct, err := dk.Seal("case-1", "full_name", []byte("Amina Diallo"))
	if err != nil {
		t.Fatal(err)
	}

	flip := func(i int) []byte {
		c := bytes.Clone(wrapped)
		c[i] ^= 0x01
		return c
	}
	withID := func(id string) []byte {
		c := []byte{1, byte(len(id))}
		c = append(c, id...)
		return append(c, wrapped[4:]...)
	}
	tests := []struct {
		name    string
		keys    *Keys
		caseID  string
		wrapped []byte
		wantErr error
	}{
		{"same case", k, "case-1", wrapped, nil},
		{"another case id", k, "case-2", wrapped, ErrDecrypt},
		{"another installation's KEK", otherInstall, "case-1", wrapped, ErrDecrypt},
		{"flipped key byte", k, "case-1", flip(20), ErrDecrypt},
		{"flipped tag byte", k, "case-1", flip(len(wrapped) - 1), ErrDecrypt},
		{"unknown version", k, "case-1", flip(0), ErrDecrypt},
		{"truncated", k, "case-1", wrapped[:len(wrapped)-1], ErrDecrypt},
		{"empty", k, "case-1", nil, ErrDecrypt},
		{"KEK id not in ring", k, "case-1", withID("k7"), ErrUnknownKEK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.keys.UnwrapDataKey(tc.caseID, tc.wrapped)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("UnwrapDataKey: got error %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				return
			}
			pt, err := got.Open("case-1", "full_name", ct)
			if err != nil || string(pt) != "Amina Diallo" {
				t.Errorf("Open with unwrapped key: got %q, %v, want %q, nil", pt, err, "Amina Diallo")
			}
		})
	}
}

func TestWrappedKeysDiffer(t *testing.T) {
	k := openTestKeys(t)
	_, a := newTestDataKey(t, k, "case-1")
	_, b := newTestDataKey(t, k, "case-1")
	if bytes.Equal(a, b) {
		t.Errorf("two new data keys: got equal wrapped bytes, want different")
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
