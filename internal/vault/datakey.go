package vault

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
)

// Format versions. Each ciphertext starts with its version byte, so formats can evolve.
const (
	wrappedV1 byte = 1 // wrapped data key: 1 | len(kekID) | kekID | nonce(12) | key(32) | tag(16)
	fieldV1   byte = 1 // field: 1 | nonce(12) | ciphertext | tag(16)

	gcmOverhead = 12 + 16 // random nonce + tag, as prepended/appended by NewGCMWithRandomNonce

	aadWrapped = "casemgr data key v1"
	aadField   = "casemgr field v1"
)

// ErrDecrypt reports a ciphertext or wrapped key that does not open: wrong
// key, wrong case or field, tampered or truncated bytes, or an unknown format
// version. Compare with errors.Is.
var ErrDecrypt = errors.New("vault: decryption failed")

// DataKey is one case's AES-256 data key, ready to seal and open that case's
// identity fields. The zero DataKey refuses to seal or open. A DataKey is
// safe for concurrent use.
type DataKey struct {
	aead cipher.AEAD
}

// NewDataKey generates a random 32-byte data key for the case and returns it
// together with its wrapped form (to store with the case), encrypted under
// the current KEK with the case id as associated data. Destroying the stored
// wrapped key makes every field sealed with the data key unrecoverable.
func (k *Keys) NewDataKey(caseID string) (dk DataKey, wrapped []byte, err error) {
	if caseID == "" {
		return DataKey{}, nil, errors.New("vault: new data key: empty case id")
	}
	cur, err := k.current()
	if err != nil {
		return DataKey{}, nil, fmt.Errorf("vault: new data key: %w", err)
	}
	raw := make([]byte, keySize)
	rand.Read(raw)
	dk, err = newDataKey(raw)
	if err != nil {
		return DataKey{}, nil, err
	}
	return dk, wrap(cur, caseID, raw), nil
}

// UnwrapDataKey opens a wrapped data key of the case with the KEK whose id it
// carries. It fails with ErrDecrypt when the bytes were made for another case
// or were altered, and with ErrUnknownKEK when that KEK was retired.
func (k *Keys) UnwrapDataKey(caseID string, wrapped []byte) (DataKey, error) {
	raw, _, err := k.unwrap(caseID, wrapped)
	if err != nil {
		return DataKey{}, err
	}
	return newDataKey(raw)
}

// Rewrap re-encrypts a wrapped data key of the case under the current KEK, for
// the key-rotation command. It returns the new wrapped bytes and true, or the
// input and false when it is already wrapped with the current KEK. Either way
// the input is checked first: a key that does not unwrap is an error.
func (k *Keys) Rewrap(caseID string, wrapped []byte) ([]byte, bool, error) {
	raw, id, err := k.unwrap(caseID, wrapped)
	if err != nil {
		return nil, false, err
	}
	cur, err := k.current()
	if err != nil {
		return nil, false, fmt.Errorf("vault: rewrap data key of case %s: %w", caseID, err)
	}
	if id == cur.id {
		return wrapped, false, nil
	}
	return wrap(cur, caseID, raw), true, nil
}

// wrap seals a raw data key under a KEK.
func wrap(kk kek, caseID string, raw []byte) []byte {
	header := make([]byte, 0, 2+len(kk.id))
	header = append(header, wrappedV1, byte(len(kk.id)))
	header = append(header, kk.id...)
	return kk.aead.Seal(header, nil, raw, wrappedAAD(header, caseID))
}

// unwrap returns the raw data key and the id of the KEK that wrapped it.
func (k *Keys) unwrap(caseID string, wrapped []byte) ([]byte, string, error) {
	if len(wrapped) < 2 {
		return nil, "", fmt.Errorf("%w: wrapped data key of case %s is truncated", ErrDecrypt, caseID)
	}
	if wrapped[0] != wrappedV1 {
		return nil, "", fmt.Errorf("%w: wrapped data key of case %s has unknown version %d", ErrDecrypt, caseID, wrapped[0])
	}
	n := int(wrapped[1])
	if len(wrapped) != 2+n+gcmOverhead+keySize {
		return nil, "", fmt.Errorf("%w: wrapped data key of case %s has length %d", ErrDecrypt, caseID, len(wrapped))
	}
	header, body := wrapped[:2+n], wrapped[2+n:]
	id := string(header[2:])
	kk, err := k.lookup(id)
	if err != nil {
		return nil, "", fmt.Errorf("vault: unwrap data key of case %s: %w", caseID, err)
	}
	raw, err := kk.aead.Open(nil, nil, body, wrappedAAD(header, caseID))
	if err != nil {
		return nil, "", fmt.Errorf("%w: data key of case %s does not unwrap with key-encryption key %s", ErrDecrypt, caseID, id)
	}
	return raw, id, nil
}

func newDataKey(raw []byte) (DataKey, error) {
	aead, err := newAEAD(raw)
	if err != nil {
		return DataKey{}, fmt.Errorf("vault: data key: %w", err)
	}
	return DataKey{aead: aead}, nil
}

// Seal encrypts one identity field of a case with AES-256-GCM and a random
// nonce. The associated data binds the ciphertext to caseID and field (both
// length-prefixed, so no two pairs encode alike) and to the format version.
// An empty plaintext seals to nil: store nil (NULL) for an empty field. A nil
// ciphertext is therefore not authenticated; Open returns it as empty.
func (dk DataKey) Seal(caseID, field string, plaintext []byte) ([]byte, error) {
	if dk.aead == nil {
		return nil, errors.New("vault: seal: zero DataKey")
	}
	if caseID == "" || field == "" {
		return nil, errors.New("vault: seal: empty case id or field name")
	}
	if len(plaintext) == 0 {
		return nil, nil
	}
	out := make([]byte, 1, 1+gcmOverhead+len(plaintext))
	out[0] = fieldV1
	return dk.aead.Seal(out, nil, plaintext, fieldAAD(fieldV1, caseID, field)), nil
}

// Open decrypts a field sealed by Seal for the same case and field. It fails
// with ErrDecrypt for another case, another field, another key, altered bytes
// or an unknown version. An empty (nil) ciphertext opens to nil, without
// error, as Seal stores an empty plaintext that way.
func (dk DataKey) Open(caseID, field string, ciphertext []byte) ([]byte, error) {
	if dk.aead == nil {
		return nil, errors.New("vault: open: zero DataKey")
	}
	if len(ciphertext) == 0 {
		return nil, nil
	}
	if ciphertext[0] != fieldV1 {
		return nil, fmt.Errorf("%w: field %s has unknown format version %d", ErrDecrypt, field, ciphertext[0])
	}
	if len(ciphertext) < 1+gcmOverhead {
		return nil, fmt.Errorf("%w: field %s is truncated", ErrDecrypt, field)
	}
	pt, err := dk.aead.Open(nil, nil, ciphertext[1:], fieldAAD(fieldV1, caseID, field))
	if err != nil {
		return nil, fmt.Errorf("%w: field %s", ErrDecrypt, field)
	}
	return pt, nil
}

// wrappedAAD is the purpose, the wrapped key's header (version and KEK id) and the case id.
func wrappedAAD(header []byte, caseID string) []byte {
	aad := make([]byte, 0, len(aadWrapped)+len(header)+8+len(caseID))
	aad = append(aad, aadWrapped...)
	aad = appendPrefixed(aad, string(header))
	return appendPrefixed(aad, caseID)
}

// fieldAAD is the purpose, the format version, the case id and the field name.
func fieldAAD(version byte, caseID, field string) []byte {
	aad := make([]byte, 0, len(aadField)+1+8+len(caseID)+len(field))
	aad = append(aad, aadField...)
	aad = append(aad, version)
	aad = appendPrefixed(aad, caseID)
	return appendPrefixed(aad, field)
}

// appendPrefixed appends s preceded by its length as a 4-byte big-endian integer.
func appendPrefixed(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}
