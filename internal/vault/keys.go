package vault

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Names of the files Open reads or creates in Options.Dir.
const (
	jwtKeyFile        = "jwt.key"
	noteDigestKeyFile = "note-digest.key"
	indexKeyFile      = "index.key"
	kekRingFile       = "kek.keys"
	kekLockFile       = "kek.keys.lock"
)

const (
	keySize = 32 // bytes of every secret: AES-256 and HMAC-SHA-256 keys

	// maxKeyFileSize bounds what Open reads from a single-key file.
	maxKeyFileSize = 1 << 10
	// maxRingFileSize bounds what Open reads from the KEK ring.
	maxRingFileSize = 1 << 20

	// envKEKID is the id given to a KEK supplied through Options.KEKBase64.
	// It is "k1" so that an operator can later move the same key into a
	// kek.keys file ("k1 <base64>") and rotate from there.
	envKEKID = "k1"

	// HKDF info strings: one per purpose, versioned.
	infoIndex   = "casemgr name index v1"
	infoMonth   = "casemgr majority month v1"
	infoKEKWrap = "casemgr kek wrap v1"
	infoTOTP    = "casemgr totp secret v1"

	ringHeader = "# casemgr key-encryption keys, one \"<id> <base64>\" per line; the last one is current.\n" +
		"# Managed by casemgr: rotate and retire keys with the CLI, never by hand.\n"
)

// ErrUnknownKEK reports a wrapped data key whose key-encryption key is not in
// the ring: it was retired before the data key was re-wrapped, or the ring
// belongs to another installation.
var ErrUnknownKEK = errors.New("vault: key-encryption key not in the ring")

// Options tells Open where the server's secrets are.
type Options struct {
	// Dir is the directory that holds the key files (created 0700 if missing).
	// It should be the data directory or another directory outside the database file.
	Dir string
	// KEKBase64 optionally gives the key-encryption key as standard base64 of
	// 32 bytes (for example from an environment variable). When set, kek.keys
	// is neither read nor created, the KEK gets the id "k1", and the ring
	// cannot be rotated or retired through this package.
	KEKBase64 string
}

// Keys holds the server's secrets: the JWT signing key, the note-digest key,
// the blind-index key and the ring of key-encryption keys (KEKs) that wrap the
// per-case data keys. A Keys is safe for concurrent use.
type Keys struct {
	dir        string
	jwt        []byte
	noteDigest []byte
	index      []byte // HMAC key derived from index.key with HKDF
	totp       []byte // AES-256 key of second-factor secrets, derived from index.key with HKDF
	month      []byte // HMAC key of MonthTag, derived from index.key with HKDF
	fromEnv    bool

	mu       sync.RWMutex
	ring     []kek       // in file order; the last one is current
	ringInfo os.FileInfo // kek.keys as last read, to notice changes made by another process
}

// kek is one key-encryption key of the ring with its ready-to-use AEAD.
type kek struct {
	id   string
	key  []byte
	aead cipher.AEAD
}

// Open loads the server's secrets from o.Dir, generating any missing one:
// "jwt.key", "note-digest.key", "index.key" (32 random bytes each, stored as
// one line of standard base64) and the KEK ring "kek.keys" (unless
// o.KEKBase64 is set). New files are created with mode 0600 and the directory
// with 0700. It returns the base names of the files it created, in that order.
// Open refuses a key file that group or others may access, and a file whose
// content is not a well-formed key; the error names the file.
func Open(o Options) (k *Keys, created []string, err error) {
	if o.Dir == "" {
		return nil, nil, errors.New("vault: no key directory given")
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("vault: create key directory: %w", err)
	}
	k = &Keys{dir: o.Dir}

	secrets := []struct {
		name string
		dst  *[]byte
	}{
		{jwtKeyFile, &k.jwt},
		{noteDigestKeyFile, &k.noteDigest},
		{indexKeyFile, &k.index},
	}
	for _, s := range secrets {
		key, made, err := LoadOrCreateKeyFile(filepath.Join(o.Dir, s.name))
		if err != nil {
			return nil, nil, err
		}
		if made {
			created = append(created, s.name)
		}
		*s.dst = key
	}
	idx, err := hkdf.Key(sha256.New, k.index, nil, infoIndex, keySize)
	if err != nil {
		return nil, nil, fmt.Errorf("vault: derive name index key: %w", err)
	}
	// index.key, not the KEK ring: it is never rotated (the blind index
	// depends on it), so a sealed TOTP secret never needs re-sealing.
	if k.totp, err = hkdf.Key(sha256.New, k.index, nil, infoTOTP, keySize); err != nil {
		return nil, nil, fmt.Errorf("vault: derive second-factor key: %w", err)
	}
	if k.month, err = hkdf.Key(sha256.New, k.index, nil, infoMonth, keySize); err != nil {
		return nil, nil, fmt.Errorf("vault: derive month tag key: %w", err)
	}
	k.index = idx

	if o.KEKBase64 != "" {
		key, err := decodeKey(strings.TrimSpace(o.KEKBase64))
		if err != nil {
			// Never echo the value: it is a secret.
			return nil, nil, fmt.Errorf("vault: key-encryption key from the environment: %w", err)
		}
		kk, err := newKEK(envKEKID, key)
		if err != nil {
			return nil, nil, err
		}
		k.ring = []kek{kk}
		k.fromEnv = true
		return k, created, nil
	}

	made, err := k.loadOrCreateRing()
	if err != nil {
		return nil, nil, err
	}
	if made {
		created = append(created, kekRingFile)
	}
	return k, created, nil
}

// JWTKey returns a copy of the HMAC key that signs access tokens.
func (k *Keys) JWTKey() []byte { return bytes.Clone(k.jwt) }

// TOTPKey returns a copy of the AES-256 key that seals users' TOTP
// secrets: HKDF-SHA-256 of index.key, info "casemgr totp secret v1".
func (k *Keys) TOTPKey() []byte { return bytes.Clone(k.totp) }

// NoteDigestKey returns a copy of the HMAC key used for the audit record's
// note_digest (see NoteDigest).
func (k *Keys) NoteDigestKey() []byte { return bytes.Clone(k.noteDigest) }

// CurrentKEKID returns the id of the KEK that wraps new data keys, as known to
// this process (NewDataKey and Rewrap first pick up a ring rotated by another
// process).
func (k *Keys) CurrentKEKID() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.ring[len(k.ring)-1].id
}

// RotateKEK generates a new KEK, appends it to kek.keys (written to a
// temporary file, synced and renamed, mode 0600) and makes it current. Older
// KEKs stay in the ring, so data keys wrapped with them still unwrap; re-wrap
// them with Rewrap, then drop the old KEK with RetireKEK.
func (k *Keys) RotateKEK() (newID string, err error) {
	if k.fromEnv {
		return "", errors.New("vault: rotate key-encryption key: the key comes from the environment, not from kek.keys")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	unlock, err := k.lockRing()
	if err != nil {
		return "", fmt.Errorf("vault: rotate key-encryption key: %w", err)
	}
	defer unlock()

	// Start from the file, not from memory: another process may have changed it.
	ring, _, err := readRing(k.ringPath())
	if err != nil {
		return "", fmt.Errorf("vault: rotate key-encryption key: %w", err)
	}
	n, _ := kekNumber(ring[len(ring)-1].id) // ids are validated and increasing
	key := make([]byte, keySize)
	rand.Read(key)
	kk, err := newKEK("k"+strconv.Itoa(n+1), key)
	if err != nil {
		return "", err
	}
	ring = append(ring, kk)
	if err := k.writeRing(ring); err != nil {
		return "", fmt.Errorf("vault: rotate key-encryption key: %w", err)
	}
	return kk.id, nil
}

// RetireKEK removes a non-current KEK from kek.keys. Call it only after every
// data key wrapped with it was re-wrapped (see Rewrap): a data key still
// wrapped with a retired KEK can no longer be unwrapped (ErrUnknownKEK).
func (k *Keys) RetireKEK(id string) error {
	if k.fromEnv {
		return errors.New("vault: retire key-encryption key: the key comes from the environment, not from kek.keys")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	unlock, err := k.lockRing()
	if err != nil {
		return fmt.Errorf("vault: retire key-encryption key %s: %w", id, err)
	}
	defer unlock()

	ring, _, err := readRing(k.ringPath())
	if err != nil {
		return fmt.Errorf("vault: retire key-encryption key %s: %w", id, err)
	}
	if ring[len(ring)-1].id == id {
		return fmt.Errorf("vault: retire key-encryption key %s: it is the current key; rotate first", id)
	}
	kept := make([]kek, 0, len(ring))
	for _, kk := range ring {
		if kk.id != id {
			kept = append(kept, kk)
		}
	}
	if len(kept) == len(ring) {
		return fmt.Errorf("vault: retire key-encryption key %s: %w", id, ErrUnknownKEK)
	}
	if err := k.writeRing(kept); err != nil {
		return fmt.Errorf("vault: retire key-encryption key %s: %w", id, err)
	}
	return nil
}

// current returns the KEK that wraps new data keys, first reloading kek.keys
// if another process replaced it, so that a rotation done by the CLI while the
// server runs is honoured before the old KEK is retired.
func (k *Keys) current() (kek, error) {
	if !k.fromEnv {
		if err := k.refreshIfChanged(); err != nil {
			return kek{}, err
		}
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.ring[len(k.ring)-1], nil
}

// lookup returns the KEK with the given id, reloading kek.keys once when the
// id is unknown (it may have been added by another process).
func (k *Keys) lookup(id string) (kek, error) {
	k.mu.RLock()
	kk, ok := findKEK(k.ring, id)
	k.mu.RUnlock()
	if ok {
		return kk, nil
	}
	if !k.fromEnv {
		if err := k.reload(); err != nil {
			return kek{}, err
		}
		k.mu.RLock()
		kk, ok = findKEK(k.ring, id)
		k.mu.RUnlock()
		if ok {
			return kk, nil
		}
	}
	return kek{}, fmt.Errorf("%w: %q", ErrUnknownKEK, id)
}

func findKEK(ring []kek, id string) (kek, bool) {
	for _, kk := range ring {
		if kk.id == id {
			return kk, true
		}
	}
	return kek{}, false
}

func (k *Keys) ringPath() string { return filepath.Join(k.dir, kekRingFile) }

// refreshIfChanged reloads the ring when kek.keys is no longer the file last read.
func (k *Keys) refreshIfChanged() error {
	fi, err := os.Stat(k.ringPath())
	if err != nil {
		return fmt.Errorf("vault: %s: %w", k.ringPath(), err)
	}
	k.mu.RLock()
	same := k.ringInfo != nil && os.SameFile(fi, k.ringInfo) &&
		fi.ModTime().Equal(k.ringInfo.ModTime()) && fi.Size() == k.ringInfo.Size()
	k.mu.RUnlock()
	if same {
		return nil
	}
	return k.reload()
}

// reload reads kek.keys and replaces the ring in memory.
func (k *Keys) reload() error {
	ring, fi, err := readRing(k.ringPath())
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.ring, k.ringInfo = ring, fi
	k.mu.Unlock()
	return nil
}

// loadOrCreateRing reads kek.keys, creating it with one new KEK "k1" when missing.
func (k *Keys) loadOrCreateRing() (created bool, err error) {
	ring, fi, err := readRing(k.ringPath())
	if err == nil {
		k.ring, k.ringInfo = ring, fi
		return false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	key := make([]byte, keySize)
	rand.Read(key)
	kk, err := newKEK("k1", key)
	if err != nil {
		return false, err
	}
	made, err := createExclusive(k.ringPath(), formatRing([]kek{kk}))
	if err != nil {
		return false, err
	}
	// Read back what is on disk: another process may have created it first.
	ring, fi, err = readRing(k.ringPath())
	if err != nil {
		return false, err
	}
	k.ring, k.ringInfo = ring, fi
	return made, nil
}

// writeRing replaces kek.keys atomically and updates the ring in memory.
// The caller holds k.mu and the ring lock.
func (k *Keys) writeRing(ring []kek) error {
	path := k.ringPath()
	if err := writeFileAtomic(path, formatRing(ring)); err != nil {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	k.ring, k.ringInfo = ring, fi
	return nil
}

// lockRing takes a lock file next to kek.keys so that two processes cannot
// rotate or retire at the same time (one would silently drop the other's new
// KEK, and every data key wrapped with it).
func (k *Keys) lockRing() (unlock func(), err error) {
	path := filepath.Join(k.dir, kekLockFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("%s exists: another key rotation is running, or one crashed (then remove the file)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("lock key ring: %w", err)
	}
	_ = f.Close()
	return func() { _ = os.Remove(path) }, nil
}

// newKEK builds a ring entry; the AES key is derived from the KEK with HKDF.
func newKEK(id string, key []byte) (kek, error) {
	wk, err := hkdf.Key(sha256.New, key, nil, infoKEKWrap, keySize)
	if err != nil {
		return kek{}, fmt.Errorf("vault: derive wrapping key %s: %w", id, err)
	}
	aead, err := newAEAD(wk)
	if err != nil {
		return kek{}, fmt.Errorf("vault: key-encryption key %s: %w", id, err)
	}
	return kek{id: id, key: key, aead: aead}, nil
}

// newAEAD returns AES-256-GCM with random 96-bit nonces for a 32-byte key.
func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	return aead, nil
}

// kekNumber parses "k<n>" with n ≥ 1 and no leading zero.
func kekNumber(id string) (int, bool) {
	rest, ok := strings.CutPrefix(id, "k")
	if !ok || rest == "" || rest[0] == '0' || len(rest) > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}

// formatRing renders the ring file.
func formatRing(ring []kek) []byte {
	var b bytes.Buffer
	b.WriteString(ringHeader)
	for _, kk := range ring {
		b.WriteString(kk.id)
		b.WriteByte(' ')
		b.WriteString(base64.StdEncoding.EncodeToString(kk.key))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// readRing reads and validates kek.keys: lines "<id> <base64>", blank lines and
// "#" comments ignored, ids "k1", "k2", … strictly increasing (so an id is
// never reused for another key), at least one key.
func readRing(path string) ([]kek, os.FileInfo, error) {
	data, fi, err := readSecretFile(path, maxRingFileSize)
	if err != nil {
		return nil, nil, err
	}
	var ring []kek
	last := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		id, b64, ok := strings.Cut(text, " ")
		if !ok {
			return nil, nil, fmt.Errorf("vault: %s line %d: want \"<id> <base64>\"", path, line)
		}
		n, ok := kekNumber(id)
		if !ok {
			return nil, nil, fmt.Errorf("vault: %s line %d: bad key id %q (want k1, k2, …)", path, line, id)
		}
		if n <= last {
			return nil, nil, fmt.Errorf("vault: %s line %d: key id %s is not greater than the previous one", path, line, id)
		}
		last = n
		key, err := decodeKey(strings.TrimSpace(b64))
		if err != nil {
			return nil, nil, fmt.Errorf("vault: %s line %d (%s): %w", path, line, id, err)
		}
		kk, err := newKEK(id, key)
		if err != nil {
			return nil, nil, err
		}
		ring = append(ring, kk)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("vault: read %s: %w", path, err)
	}
	if len(ring) == 0 {
		return nil, nil, fmt.Errorf("vault: %s holds no key", path)
	}
	return ring, fi, nil
}

// decodeKey decodes standard base64 of exactly 32 bytes. Its errors never
// contain the input.
func decodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("not valid standard base64")
	}
	if len(key) != keySize {
		return nil, fmt.Errorf("key is %d bytes, want %d", len(key), keySize)
	}
	return key, nil
}
