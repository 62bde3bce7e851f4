package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"github.com/casemgr/casemgr/internal/apperr"
)

// Argon2id settings and limits. The minimums are the production floor from
// docs/security.md (t=2, m=19 MiB, p=1); the maximums only catch typos and
// tampered PHC strings that would otherwise allocate absurd amounts of memory.
const (
	argonMinTime      = 2
	argonMinMemoryKiB = 19 * 1024
	argonMinThreads   = 1
	argonMaxTime      = 64
	argonMaxMemoryKiB = 1024 * 1024 // 1 GiB
	argonSaltLen      = 16
	argonKeyLen       = 32
	argonMinSaltLen   = 8 // accepted when verifying (RFC 9106 minimum)
	argonMaxSaltLen   = 64
	argonMinKeyLen    = 16
	argonMaxKeyLen    = 64
	argonPHCPrefix    = "argon2id"
	argonPHCVersion   = "v=19"

	passwordMinRunes = 12
	passwordMaxBytes = 256
)

// argonB64 is the PHC string encoding: standard alphabet, no padding, and
// zero trailing bits so that every hash has exactly one spelling.
var argonB64 = base64.RawStdEncoding.Strict()

// HashParams are the argon2id cost parameters. They are a setting so that
// tests can hash quickly; production must keep at least t=2, 19 MiB, p=1.
type HashParams struct {
	// Time is the number of passes over memory (argon2 t).
	Time uint32
	// MemoryKiB is the memory cost in KiB (argon2 m).
	MemoryKiB uint32
	// Threads is the degree of parallelism (argon2 p).
	Threads uint8
}

// DefaultHashParams returns the production parameters: t=2, m=19456 KiB, p=1.
func DefaultHashParams() HashParams {
	return HashParams{Time: argonMinTime, MemoryKiB: argonMinMemoryKiB, Threads: argonMinThreads}
}

// Validate reports whether p can be used. Zero values, memory below 8 KiB per
// thread and values above the sanity limits (t=64, 1 GiB) are always refused;
// without allowWeak, values below the production minimum (t=2, 19 MiB, p=1)
// are refused too. The error names the offending field.
func (p HashParams) Validate(allowWeak bool) error {
	if problems := p.problems(allowWeak); problems != "" {
		return fmt.Errorf("auth: password hash parameters: %s", problems)
	}
	return nil
}

// problems lists what is wrong with p, separated by "; ", or returns "".
func (p HashParams) problems(allowWeak bool) string {
	var problems []string
	if p.Time == 0 || p.Time > argonMaxTime {
		problems = append(problems, fmt.Sprintf("field Time is %d, it must be between 1 and %d", p.Time, argonMaxTime))
	} else if !allowWeak && p.Time < argonMinTime {
		problems = append(problems, fmt.Sprintf("field Time is %d, below the minimum of %d", p.Time, argonMinTime))
	}
	switch {
	case p.MemoryKiB > argonMaxMemoryKiB:
		problems = append(problems, fmt.Sprintf("field MemoryKiB is %d, above the limit of %d (1 GiB)", p.MemoryKiB, argonMaxMemoryKiB))
	case p.MemoryKiB == 0 || p.MemoryKiB < 8*uint32(p.Threads):
		problems = append(problems, fmt.Sprintf("field MemoryKiB is %d, it must be at least 8 per thread", p.MemoryKiB))
	case !allowWeak && p.MemoryKiB < argonMinMemoryKiB:
		problems = append(problems, fmt.Sprintf("field MemoryKiB is %d, below the minimum of %d (19 MiB)", p.MemoryKiB, argonMinMemoryKiB))
	}
	if p.Threads == 0 {
		problems = append(problems, "field Threads is 0, it must be at least 1")
	}
	return strings.Join(problems, "; ")
}

// Hasher hashes and checks passwords with argon2id. It bounds how many hashes
// run at once, so that a burst of logins cannot exhaust memory on a small
// machine. A Hasher is safe for concurrent use.
type Hasher struct {
	params    HashParams
	paramsErr error         // what argon2 cannot use in params, reported by Hash
	slots     chan struct{} // semaphore: one token per running hash
}

// NewHasher returns a Hasher that hashes with p and runs at most
// maxConcurrent hashes at once (values below 1 mean 1). The caller validates
// p with Validate beforehand; parameters that argon2 cannot use at all make
// Hash return an error.
func NewHasher(p HashParams, maxConcurrent int) *Hasher {
	if maxConcurrent < 1 {
		maxConcurrent = 1
	}
	h := &Hasher{params: p, slots: make(chan struct{}, maxConcurrent)}
	if problems := p.problems(true); problems != "" {
		h.paramsErr = fmt.Errorf("unusable parameters: %s", problems)
	}
	return h
}

// Hash returns the PHC string of password (in NFKC form) with a fresh 16-byte salt, in the
// form $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key> (unpadded standard base64,
// 32-byte key). It waits for a free hashing slot and gives up when ctx ends.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if h.paramsErr != nil {
		return "", fmt.Errorf("auth: hash password: %w", h.paramsErr)
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: hash password: read salt: %w", err)
	}
	key, err := h.derive(ctx, NormalizePassword(password), salt, h.params, argonKeyLen)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return argonPHC{params: h.params, salt: salt, key: key}.String(), nil
}

// Verify reports whether password matches the PHC string phc, both in
// NFKC form (a password hashed before normalisation was introduced and
// holding characters that NFKC changes must be reset). It hashes with
// the parameters stored in phc (not the Hasher's), so older hashes keep
// working after the cost changes; see NeedsRehash. The comparison is constant
// time. A malformed phc is an error; a wrong password is (false, nil).
func (h *Hasher) Verify(ctx context.Context, phc, password string) (bool, error) {
	stored, err := parseArgonPHC(phc)
	if err != nil {
		return false, fmt.Errorf("auth: verify password: %w", err)
	}
	key, err := h.derive(ctx, NormalizePassword(password), stored.salt, stored.params, uint32(len(stored.key)))
	if err != nil {
		return false, fmt.Errorf("auth: verify password: %w", err)
	}
	return subtle.ConstantTimeCompare(key, stored.key) == 1, nil
}

// DummyVerify spends the time and memory of one hash with the current
// parameters and discards the result. Call it for an unknown username so
// that the response time does not reveal which usernames exist. It returns
// early only when ctx ends while waiting for a slot.
func (h *Hasher) DummyVerify(ctx context.Context) {
	if h.paramsErr != nil {
		return
	}
	var salt [argonSaltLen]byte
	key, err := h.derive(ctx, "casemgr-dummy-password", salt[:], h.params, argonKeyLen)
	if err != nil {
		return
	}
	// Mirror Verify's comparison so that both paths do the same work.
	_ = subtle.ConstantTimeCompare(key, salt[:])
}

// NeedsRehash reports whether phc should be replaced by a fresh hash of the
// same password (after a successful Verify): it is malformed, or its
// parameters, salt length or key length differ from the Hasher's.
func (h *Hasher) NeedsRehash(phc string) bool {
	stored, err := parseArgonPHC(phc)
	if err != nil {
		return true
	}
	return stored.params != h.params || len(stored.salt) != argonSaltLen || len(stored.key) != argonKeyLen
}

// derive runs argon2id inside a hashing slot.
func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p HashParams, keyLen uint32) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("wait for a hashing slot: %w", err)
	}
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a hashing slot: %w", ctx.Err())
	}
	defer func() { <-h.slots }()
	return argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, keyLen), nil
}

// errPasswordShort starts the message of a password under the minimum
// length; passwordCode gives it its apperr code.
var errPasswordShort = errors.New("password is too short")

// passwordCode is the apperr code of a ValidatePassword error.
func passwordCode(err error) string {
	if errors.Is(err, errPasswordShort) {
		return apperr.CodePasswordShort
	}
	return ""
}

//go:embed common-passwords.txt
var commonPasswordsFile string

// commonPasswords is the blocklist of common and breached passwords,
// lower-cased (see the header of common-passwords.txt for its source).
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 50_000)
	for _, line := range strings.Split(commonPasswordsFile, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[line] = struct{}{}
		}
	}
	return m
})

// NormalizePassword returns the form of a password that is hashed and
// checked: Unicode NFKC (NIST SP 800-63B 5.1.1.2), so that the same
// characters typed on different keyboards or systems match.
func NormalizePassword(pw string) string { return norm.NFKC.String(pw) }

// ValidatePassword checks a new password after NIST SP 800-63B: valid
// UTF-8 without control characters, at least 12 characters after NFKC
// normalisation and at most 256 bytes, not only spaces, not one character
// or a short group repeated, not a run of consecutive characters, and not
// a common or breached password (also with digits or symbols added around
// it, or repeated). No composition rules. The error says what to change.
func ValidatePassword(pw string) error {
	if !utf8.ValidString(pw) {
		return errors.New("password is not valid UTF-8 text")
	}
	for _, r := range pw {
		if unicode.IsControl(r) {
			return errors.New("password contains a control character (such as a NUL byte or a line break): use letters, digits, spaces and symbols")
		}
	}
	if len(pw) > passwordMaxBytes {
		return fmt.Errorf("password is too long: use at most %d bytes (it has %d)", passwordMaxBytes, len(pw))
	}
	n := NormalizePassword(pw)
	if c := utf8.RuneCountInString(n); c < passwordMinRunes {
		return fmt.Errorf("%w: use at least %d characters (it has %d)", errPasswordShort, passwordMinRunes, c)
	}
	if strings.TrimSpace(n) == "" {
		return errors.New("password is only spaces: choose a passphrase of several words")
	}
	lower := strings.ToLower(n)
	if repeated(lower) {
		return errors.New("password repeats one character or a short group: choose a passphrase of several words")
	}
	if consecutive(lower) {
		return errors.New("password is a run of consecutive characters: choose a passphrase of several words")
	}
	if common(lower) {
		return errors.New("password is too common (it appears in lists of leaked passwords): choose another")
	}
	return nil
}

// repeated reports whether s is one group of at most 5 characters, or a
// common password, written out two or more times.
func repeated(s string) bool {
	r := []rune(s)
	for k := 1; k <= len(r)/2; k++ {
		if len(r)%k != 0 {
			continue
		}
		unit := string(r[:k])
		if strings.Repeat(unit, len(r)/k) != s {
			continue
		}
		if k <= 5 {
			return true
		}
		if _, ok := commonPasswords()[unit]; ok {
			return true
		}
	}
	return false
}

// consecutive reports whether every character of s follows the previous
// one up or down by one code point ("abcdefghijkl", "987654321098" not).
func consecutive(s string) bool {
	r := []rune(s)
	up, down := true, true
	for i := 1; i < len(r); i++ {
		up = up && r[i] == r[i-1]+1
		down = down && r[i] == r[i-1]-1
	}
	return up || down
}

// common reports whether s (lower-cased) is on the blocklist, as it is,
// without its spaces, or once digits, symbols and spaces around it are
// taken away ("password1234!").
func common(s string) bool {
	list := commonPasswords()
	notLetter := func(r rune) bool { return !unicode.IsLetter(r) }
	for _, v := range []string{s, strings.ReplaceAll(s, " ", ""), strings.TrimFunc(s, notLetter)} {
		if _, ok := list[v]; ok {
			return true
		}
	}
	return false
}

// argonPHC is a decoded argon2id PHC string.
type argonPHC struct {
	params HashParams
	salt   []byte
	key    []byte
}

// String encodes the hash as $argon2id$v=19$m=…,t=…,p=…$<salt>$<key>.
func (a argonPHC) String() string {
	return fmt.Sprintf("$%s$%s$m=%d,t=%d,p=%d$%s$%s", argonPHCPrefix, argonPHCVersion,
		a.params.MemoryKiB, a.params.Time, a.params.Threads,
		argonB64.EncodeToString(a.salt), argonB64.EncodeToString(a.key))
}

// parseArgonPHC decodes an argon2id v19 PHC string strictly: fields in the
// order m, t, p, decimal numbers without sign or leading zeros, unpadded
// base64 with zero trailing bits, and bounded parameters, salt and key.
func parseArgonPHC(s string) (argonPHC, error) {
	var a argonPHC
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return a, errors.New("malformed PHC string: want $argon2id$v=19$m=…,t=…,p=…$salt$hash")
	}
	if parts[1] != argonPHCPrefix {
		return a, fmt.Errorf("malformed PHC string: algorithm %q, want %s", parts[1], argonPHCPrefix)
	}
	if parts[2] != argonPHCVersion {
		return a, fmt.Errorf("malformed PHC string: version %q, want %s", parts[2], argonPHCVersion)
	}
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return a, errors.New("malformed PHC string: parameters must be m=…,t=…,p=…")
	}
	m, err := argonPHCParam(fields[0], "m=", 32)
	if err != nil {
		return a, err
	}
	t, err := argonPHCParam(fields[1], "t=", 32)
	if err != nil {
		return a, err
	}
	p, err := argonPHCParam(fields[2], "p=", 8)
	if err != nil {
		return a, err
	}
	a.params = HashParams{Time: uint32(t), MemoryKiB: uint32(m), Threads: uint8(p)}
	if problems := a.params.problems(true); problems != "" {
		return a, fmt.Errorf("malformed PHC string: %s", problems)
	}
	if a.salt, err = argonB64.DecodeString(parts[4]); err != nil {
		return a, fmt.Errorf("malformed PHC string: salt: %w", err)
	}
	if n := len(a.salt); n < argonMinSaltLen || n > argonMaxSaltLen {
		return a, fmt.Errorf("malformed PHC string: salt is %d bytes, want %d to %d", n, argonMinSaltLen, argonMaxSaltLen)
	}
	if a.key, err = argonB64.DecodeString(parts[5]); err != nil {
		return a, fmt.Errorf("malformed PHC string: hash: %w", err)
	}
	if n := len(a.key); n < argonMinKeyLen || n > argonMaxKeyLen {
		return a, fmt.Errorf("malformed PHC string: hash is %d bytes, want %d to %d", n, argonMinKeyLen, argonMaxKeyLen)
	}
	return a, nil
}

// argonPHCParam parses one "name=decimal" PHC parameter.
func argonPHCParam(field, prefix string, bits int) (uint64, error) {
	digits, ok := strings.CutPrefix(field, prefix)
	if !ok || digits == "" || (len(digits) > 1 && digits[0] == '0') {
		return 0, fmt.Errorf("malformed PHC string: parameter %q, want %s<number>", field, prefix)
	}
	v, err := strconv.ParseUint(digits, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("malformed PHC string: parameter %q: %w", field, err)
	}
	return v, nil
}
