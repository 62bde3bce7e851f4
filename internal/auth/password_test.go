package auth

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

// pwCheapParams are fast, deliberately weak parameters for tests.
func pwCheapParams() HashParams { return HashParams{Time: 1, MemoryKiB: 64, Threads: 1} }

// pwTestPassword is a password that passes ValidatePassword.
const pwTestPassword = "correct horse battery staple"

// pwTestWait is how long a test waits for something that should happen.
const pwTestWait = 10 * time.Second

func TestDefaultHashParams(t *testing.T) {
	got := DefaultHashParams()
	want := HashParams{Time: 2, MemoryKiB: 19456, Threads: 1}
	if got != want {
		t.Fatalf("DefaultHashParams() = %+v, want %+v", got, want)
	}
	if err := got.Validate(false); err != nil {
		t.Fatalf("DefaultHashParams().Validate(false) = %v, want nil", err)
	}
}

func TestHashParamsValidate(t *testing.T) {
	tests := []struct {
		name      string
		params    HashParams
		allowWeak bool
		wantField string // "" means valid
	}{
		{"default", DefaultHashParams(), false, ""},
		{"stronger than default", HashParams{Time: 3, MemoryKiB: 65536, Threads: 2}, false, ""},
		{"time below minimum", HashParams{Time: 1, MemoryKiB: 19456, Threads: 1}, false, "Time"},
		{"memory below minimum", HashParams{Time: 2, MemoryKiB: 19455, Threads: 1}, false, "MemoryKiB"},
		{"cheap refused without allowWeak", pwCheapParams(), false, "Time"},
		{"cheap allowed with allowWeak", pwCheapParams(), true, ""},
		{"zero time even when weak allowed", HashParams{Time: 0, MemoryKiB: 64, Threads: 1}, true, "Time"},
		{"zero memory even when weak allowed", HashParams{Time: 1, MemoryKiB: 0, Threads: 1}, true, "MemoryKiB"},
		{"zero threads even when weak allowed", HashParams{Time: 1, MemoryKiB: 64, Threads: 0}, true, "Threads"},
		{"memory under 8 KiB per thread", HashParams{Time: 1, MemoryKiB: 15, Threads: 2}, true, "MemoryKiB"},
		{"time above sanity limit", HashParams{Time: 65, MemoryKiB: 19456, Threads: 1}, false, "Time"},
		{"memory above 1 GiB", HashParams{Time: 2, MemoryKiB: 1<<20 + 1, Threads: 1}, false, "MemoryKiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.params.Validate(tt.allowWeak)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate(%v) = %v, want nil", tt.allowWeak, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate(%v) = nil, want an error naming %s", tt.allowWeak, tt.wantField)
			}
			if !strings.Contains(err.Error(), "field "+tt.wantField+" ") {
				t.Fatalf("Validate(%v) = %q, want it to name field %s", tt.allowWeak, err, tt.wantField)
			}
		})
	}
}

func TestHasherRoundTrip(t *testing.T) {
	h := NewHasher(pwCheapParams(), 2)
	ctx := context.Background()
	phc, err := h.Hash(ctx, pwTestPassword)
	if err != nil {
		t.Fatalf("Hash: got error %v, want nil", err)
	}
	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"same password", pwTestPassword, true},
		{"wrong password", "correct horse battery stapler", false},
		{"different case", strings.ToUpper(pwTestPassword), false},
		{"empty password", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Verify(ctx, phc, tt.password)
			if err != nil {
				t.Fatalf("Verify: got error %v, want nil", err)
			}
			if got != tt.want {
				t.Fatalf("Verify(%q) = %v, want %v", tt.password, got, tt.want)
			}
		})
	}
}

func TestHasherPHCFormat(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		params HashParams
		want   string
	}{
		{"cheap", pwCheapParams(), `^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`},
		{"two threads", HashParams{Time: 3, MemoryKiB: 128, Threads: 2}, `^\$argon2id\$v=19\$m=128,t=3,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHasher(tt.params, 1)
			first, err := h.Hash(ctx, pwTestPassword)
			if err != nil {
				t.Fatalf("Hash: got error %v, want nil", err)
			}
			if !regexp.MustCompile(tt.want).MatchString(first) {
				t.Fatalf("Hash = %q, want a match for %s", first, tt.want)
			}
			second, err := h.Hash(ctx, pwTestPassword)
			if err != nil {
				t.Fatalf("second Hash: got error %v, want nil", err)
			}
			if first == second {
				t.Fatalf("two hashes of one password: got equal %q, want different salts", first)
			}
		})
	}
}

func TestHasherDefaultParamsPHC(t *testing.T) {
	h := NewHasher(DefaultHashParams(), 1)
	phc, err := h.Hash(context.Background(), pwTestPassword)
	if err != nil {
		t.Fatalf("Hash: got error %v, want nil", err)
	}
	if want := "$argon2id$v=19$m=19456,t=2,p=1$"; !strings.HasPrefix(phc, want) {
		t.Fatalf("Hash = %q, want prefix %q", phc, want)
	}
}

func TestHasherVerifyUsesStoredParams(t *testing.T) {
	ctx := context.Background()
	a := NewHasher(pwCheapParams(), 1)
	b := NewHasher(HashParams{Time: 2, MemoryKiB: 256, Threads: 2}, 1)
	phc, err := a.Hash(ctx, pwTestPassword)
	if err != nil {
		t.Fatalf("Hash: got error %v, want nil", err)
	}
	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"right password", pwTestPassword, true},
		{"wrong password", "not the password at all", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.Verify(ctx, phc, tt.password)
			if err != nil {
				t.Fatalf("Verify: got error %v, want nil", err)
			}
			if got != tt.want {
				t.Fatalf("Verify with other params = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestHasherVerifyReferenceVectors checks interoperability with the Argon2
// reference implementation (phc-winner-argon2 test vectors: password
// "password", salt "somesalt").
func TestHasherVerifyReferenceVectors(t *testing.T) {
	h := NewHasher(DefaultHashParams(), 1)
	ctx := context.Background()
	tests := []struct {
		name     string
		phc      string
		password string
		want     bool
	}{
		{"m=256 t=2 p=1", "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "password", true},
		{"m=256 t=2 p=2", "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc", "password", true},
		{"m=65536 t=2 p=1", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", "password", true},
		{"m=256 t=2 p=1 wrong password", "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "passwore", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Verify(ctx, tt.phc, tt.password)
			if err != nil {
				t.Fatalf("Verify: got error %v, want nil", err)
			}
			if got != tt.want {
				t.Fatalf("Verify(%q) = %v, want %v", tt.password, got, tt.want)
			}
		})
	}
}

func TestHasherVerifyMalformed(t *testing.T) {
	const salt = "c29tZXNhbHQ" // "somesalt"
	const key = "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
	good := "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + key
	h := NewHasher(pwCheapParams(), 1)
	ctx := context.Background()
	if ok, err := h.Verify(ctx, good, "password"); err != nil || !ok {
		t.Fatalf("Verify(control) = %v, %v; want true, nil", ok, err)
	}
	tests := []struct {
		name string
		phc  string
	}{
		{"empty", ""},
		{"garbage", "garbage"},
		{"bcrypt", "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"},
		{"argon2i", "$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8"},
		{"argon2d", "$argon2d$v=19$m=256,t=2,p=1$" + salt + "$" + key},
		{"no leading dollar", strings.TrimPrefix(good, "$")},
		{"trailing dollar", good + "$"},
		{"missing version", "$argon2id$m=256,t=2,p=1$" + salt + "$" + key},
		{"version 16", "$argon2id$v=16$m=256,t=2,p=1$" + salt + "$" + key},
		{"version with leading zero", "$argon2id$v=019$m=256,t=2,p=1$" + salt + "$" + key},
		{"params out of order", "$argon2id$v=19$t=2,m=256,p=1$" + salt + "$" + key},
		{"param missing", "$argon2id$v=19$m=256,t=2$" + salt + "$" + key},
		{"extra param", "$argon2id$v=19$m=256,t=2,p=1,k=1$" + salt + "$" + key},
		{"semicolon separator", "$argon2id$v=19$m=256;t=2;p=1$" + salt + "$" + key},
		{"non-numeric m", "$argon2id$v=19$m=x,t=2,p=1$" + salt + "$" + key},
		{"negative t", "$argon2id$v=19$m=256,t=-2,p=1$" + salt + "$" + key},
		{"plus sign", "$argon2id$v=19$m=+256,t=2,p=1$" + salt + "$" + key},
		{"leading zero", "$argon2id$v=19$m=0256,t=2,p=1$" + salt + "$" + key},
		{"empty value", "$argon2id$v=19$m=,t=2,p=1$" + salt + "$" + key},
		{"t=0", "$argon2id$v=19$m=256,t=0,p=1$" + salt + "$" + key},
		{"p=0", "$argon2id$v=19$m=256,t=2,p=0$" + salt + "$" + key},
		{"p overflows uint8", "$argon2id$v=19$m=256,t=2,p=256$" + salt + "$" + key},
		{"m overflows uint32", "$argon2id$v=19$m=4294967296,t=2,p=1$" + salt + "$" + key},
		{"m above 1 GiB", "$argon2id$v=19$m=2097152,t=2,p=1$" + salt + "$" + key},
		{"m under 8 per lane", "$argon2id$v=19$m=8,t=2,p=2$" + salt + "$" + key},
		{"padded salt", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "=$" + key},
		{"salt not base64", "$argon2id$v=19$m=256,t=2,p=1$c29tZ*NhbHQ$" + key},
		{"salt with non-zero trailing bits", "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHR$" + key},
		{"salt too short", "$argon2id$v=19$m=256,t=2,p=1$c29tZQ$" + key},
		{"empty salt", "$argon2id$v=19$m=256,t=2,p=1$$" + key},
		{"url alphabet in hash", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + strings.ReplaceAll(key, "/", "_")},
		{"empty hash", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$"},
		{"hash too short", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + salt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify(ctx, tt.phc, "password")
			if err == nil {
				t.Fatalf("Verify(%q) = %v, nil; want an error", tt.phc, ok)
			}
			if ok {
				t.Fatalf("Verify(%q) = true, %v; want false", tt.phc, err)
			}
			if !h.NeedsRehash(tt.phc) {
				t.Fatalf("NeedsRehash(%q) = false, want true", tt.phc)
			}
		})
	}
}

func TestHasherNeedsRehash(t *testing.T) {
	ctx := context.Background()
	current := pwCheapParams()
	h := NewHasher(current, 1)
	hashWith := func(p HashParams) string {
		t.Helper()
		phc, err := NewHasher(p, 1).Hash(ctx, pwTestPassword)
		if err != nil {
			t.Fatalf("Hash with %+v: got error %v, want nil", p, err)
		}
		return phc
	}
	shortSalt := argonPHC{params: current, salt: []byte("12345678"), key: make([]byte, argonKeyLen)}.String()
	longKey := argonPHC{params: current, salt: make([]byte, argonSaltLen), key: make([]byte, 64)}.String()
	tests := []struct {
		name string
		phc  string
		want bool
	}{
		{"current params", hashWith(current), false},
		{"different time", hashWith(HashParams{Time: 2, MemoryKiB: 64, Threads: 1}), true},
		{"different memory", hashWith(HashParams{Time: 1, MemoryKiB: 128, Threads: 1}), true},
		{"different threads", hashWith(HashParams{Time: 1, MemoryKiB: 64, Threads: 2}), true},
		{"8-byte salt", shortSalt, true},
		{"64-byte key", longKey, true},
		{"malformed", "$argon2id$v=19$m=64,t=1,p=1$", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.NeedsRehash(tt.phc); got != tt.want {
				t.Fatalf("NeedsRehash(%q) = %v, want %v", tt.phc, got, tt.want)
			}
		})
	}
}

func TestHasherInvalidParams(t *testing.T) {
	h := NewHasher(HashParams{Time: 0, MemoryKiB: 64, Threads: 1}, 1)
	phc, err := h.Hash(context.Background(), pwTestPassword)
	if err == nil {
		t.Fatalf("Hash with t=0 = %q, nil; want an error", phc)
	}
	if !strings.Contains(err.Error(), "field Time ") {
		t.Fatalf("Hash with t=0: got error %q, want it to name field Time", err)
	}
	h.DummyVerify(context.Background()) // must neither panic nor block
	if got := len(h.slots); got != 0 {
		t.Fatalf("slots in use after DummyVerify = %d, want 0", got)
	}
}

func TestNewHasherConcurrencyLimit(t *testing.T) {
	tests := []struct {
		name          string
		maxConcurrent int
		want          int
	}{
		{"negative means one", -3, 1},
		{"zero means one", 0, 1},
		{"one", 1, 1},
		{"four", 4, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cap(NewHasher(pwCheapParams(), tt.maxConcurrent).slots); got != tt.want {
				t.Fatalf("NewHasher(_, %d): slots = %d, want %d", tt.maxConcurrent, got, tt.want)
			}
		})
	}
}

// pwTestResult is the outcome of a Hash or Verify run in a goroutine.
type pwTestResult struct {
	phc string
	ok  bool
	err error
}

// pwTestStart runs op in a goroutine and returns where its result arrives.
func pwTestStart(op func() pwTestResult) <-chan pwTestResult {
	ch := make(chan pwTestResult, 1)
	go func() { ch <- op() }()
	return ch
}

// pwTestExpectBlocked fails if a result arrives within a short while.
func pwTestExpectBlocked(t *testing.T, ch <-chan pwTestResult, what string) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("%s returned (%+v) while every slot was taken, want it to wait", what, r)
	case <-time.After(100 * time.Millisecond):
	}
}

// pwTestAwait waits for a result or fails after pwTestWait.
func pwTestAwait(t *testing.T, ch <-chan pwTestResult, what string) pwTestResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(pwTestWait):
		t.Fatalf("%s still waiting after %v, want it done", what, pwTestWait)
		return pwTestResult{}
	}
}

func TestHasherConcurrencyBound(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name          string
		maxConcurrent int
	}{
		{"one slot", 1},
		{"two slots", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHasher(pwCheapParams(), tt.maxConcurrent)
			phc, err := h.Hash(ctx, pwTestPassword)
			if err != nil {
				t.Fatalf("Hash: got error %v, want nil", err)
			}
			// Take every slot but one: work still goes through.
			for range tt.maxConcurrent - 1 {
				h.slots <- struct{}{}
			}
			r := pwTestAwait(t, pwTestStart(func() pwTestResult {
				ok, err := h.Verify(ctx, phc, pwTestPassword)
				return pwTestResult{ok: ok, err: err}
			}), "Verify with one free slot")
			if r.err != nil || !r.ok {
				t.Fatalf("Verify with one free slot = %v, %v; want true, nil", r.ok, r.err)
			}
			// Take the last slot: Hash, Verify and DummyVerify wait.
			h.slots <- struct{}{}
			hashed := pwTestStart(func() pwTestResult {
				phc, err := h.Hash(ctx, pwTestPassword)
				return pwTestResult{phc: phc, err: err}
			})
			verified := pwTestStart(func() pwTestResult {
				ok, err := h.Verify(ctx, phc, pwTestPassword)
				return pwTestResult{ok: ok, err: err}
			})
			dummied := pwTestStart(func() pwTestResult {
				h.DummyVerify(ctx)
				return pwTestResult{}
			})
			pwTestExpectBlocked(t, hashed, "Hash")
			pwTestExpectBlocked(t, verified, "Verify")
			pwTestExpectBlocked(t, dummied, "DummyVerify")
			// Free one slot: all three finish, one after the other.
			<-h.slots
			if r := pwTestAwait(t, hashed, "Hash"); r.err != nil || !strings.HasPrefix(r.phc, "$argon2id$") {
				t.Fatalf("Hash after release = %q, %v; want a PHC string, nil", r.phc, r.err)
			}
			if r := pwTestAwait(t, verified, "Verify"); r.err != nil || !r.ok {
				t.Fatalf("Verify after release = %v, %v; want true, nil", r.ok, r.err)
			}
			pwTestAwait(t, dummied, "DummyVerify")
			if got, want := len(h.slots), tt.maxConcurrent-1; got != want {
				t.Fatalf("slots in use after release = %d, want %d (only the test's)", got, want)
			}
		})
	}
}

func TestHasherContextCancellation(t *testing.T) {
	h := NewHasher(pwCheapParams(), 1)
	phc, err := h.Hash(context.Background(), pwTestPassword)
	if err != nil {
		t.Fatalf("Hash: got error %v, want nil", err)
	}
	ops := []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"Hash", func(ctx context.Context) error {
			_, err := h.Hash(ctx, pwTestPassword)
			return err
		}},
		{"Verify", func(ctx context.Context) error {
			_, err := h.Verify(ctx, phc, pwTestPassword)
			return err
		}},
	}
	for _, op := range ops {
		t.Run(op.name+" with a cancelled context and a free slot", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := op.run(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("%s: got error %v, want context.Canceled", op.name, err)
			}
			if got := len(h.slots); got != 0 {
				t.Fatalf("slots in use = %d, want 0", got)
			}
		})
		t.Run(op.name+" cancelled while waiting for the slot", func(t *testing.T) {
			h.slots <- struct{}{}
			defer func() { <-h.slots }()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch := pwTestStart(func() pwTestResult { return pwTestResult{err: op.run(ctx)} })
			pwTestExpectBlocked(t, ch, op.name)
			cancel()
			if r := pwTestAwait(t, ch, op.name); !errors.Is(r.err, context.Canceled) {
				t.Fatalf("%s: got error %v, want context.Canceled", op.name, r.err)
			}
		})
		t.Run(op.name+" deadline while waiting for the slot", func(t *testing.T) {
			h.slots <- struct{}{}
			defer func() { <-h.slots }()
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if err := op.run(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("%s: got error %v, want context.DeadlineExceeded", op.name, err)
			}
		})
	}
	t.Run("DummyVerify cancelled while waiting for the slot", func(t *testing.T) {
		h.slots <- struct{}{}
		defer func() { <-h.slots }()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		pwTestAwait(t, pwTestStart(func() pwTestResult {
			h.DummyVerify(ctx)
			return pwTestResult{}
		}), "DummyVerify")
		if got := len(h.slots); got != 1 {
			t.Fatalf("slots in use = %d, want 1 (only the test's)", got)
		}
	})
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		name    string
		pw      string
		wantErr string // "" means accepted
	}{
		{"empty", "", "at least 12 characters"},
		{"11 ASCII characters", "abcdefghijk", "at least 12 characters"},
		{"12 ASCII characters", "plum tree 42", ""},
		{"11 two-byte characters (22 bytes)", strings.Repeat("é", 11), "at least 12 characters"},
		{"12 two-byte characters", "éàüçèöâêîôûë", ""},
		{"256 bytes", strings.Repeat("plum tree 42 ", 19)[:247] + "avocado!!", ""},
		{"257 bytes", strings.Repeat("plum tree 42 ", 20)[:257], "at most 256 bytes"},
		{"64 four-byte characters (256 bytes)", spread(0x1F600, 64), ""},
		{"65 four-byte characters (260 bytes)", spread(0x1F600, 65), "at most 256 bytes"},
		// Issue 20: these were accepted by a length-only rule.
		{"12 spaces", strings.Repeat(" ", 12), "only spaces"},
		{"12 NUL bytes", strings.Repeat("\x00", 12), "control character"},
		{"a line break", "plum tree\n42 ok", "control character"},
		{"one letter repeated", "aaaaaaaaaaaa", "repeats"},
		{"a short group repeated", "abcabcabcabc", "repeats"},
		{"a common password repeated", "qwertyqwerty", "repeats"},
		{"consecutive letters", "abcdefghijkl", "consecutive"},
		{"consecutive digits down", "987654321", "at least 12"},
		{"common password with digits", "password1234", "too common"},
		{"common password with symbols around", "!!iloveyou2024!!", "too common"},
		{"common password in capitals", "BASKETBALL1234", "too common"},
		{"common password in full-width letters (NFKC)", "ｐａｓｓｗｏｒｄ１２３４", "too common"},
		{"invalid UTF-8", "plum tree 42\xff", "UTF-8"},
		{"passphrase with spaces", pwTestPassword, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePassword(tt.pw)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("ValidatePassword: got %v, want nil", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("ValidatePassword: got nil, want an error saying %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("ValidatePassword: got %q, want it to say %q", err, tt.wantErr)
			}
		})
	}
}

// BenchmarkHasherVerifyDefault measures one login with the production parameters.
func BenchmarkHasherVerifyDefault(b *testing.B) {
	h := NewHasher(DefaultHashParams(), 1)
	ctx := context.Background()
	phc, err := h.Hash(ctx, pwTestPassword)
	if err != nil {
		b.Fatalf("Hash: got error %v, want nil", err)
	}
	for b.Loop() {
		if ok, err := h.Verify(ctx, phc, pwTestPassword); err != nil || !ok {
			b.Fatalf("Verify = %v, %v; want true, nil", ok, err)
		}
	}
}

// BenchmarkHasherDummyVerifyDefault measures the unknown-user path; it should
// cost the same as BenchmarkHasherVerifyDefault.
func BenchmarkHasherDummyVerifyDefault(b *testing.B) {
	h := NewHasher(DefaultHashParams(), 1)
	ctx := context.Background()
	for b.Loop() {
		h.DummyVerify(ctx)
	}
}

// spread returns n four-byte characters from base, neither repeated nor
// consecutive.
func spread(base rune, n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteRune(base + rune(i*7%64))
	}
	return b.String()
}

// TestPasswordNormalized checks that a password is hashed in NFKC form, so
// that the same text typed with another Unicode form is accepted.
func TestPasswordNormalized(t *testing.T) {
	h := NewHasher(pwCheapParams(), 1)
	ctx := context.Background()
	phc, err := h.Hash(ctx, "ﬁsh and chips Ⅻ")
	if err != nil {
		t.Fatal(err)
	}
	for pw, want := range map[string]bool{"fish and chips XII": true, "ﬁsh and chips Ⅻ": true, "fish and chips 12": false} {
		if ok, err := h.Verify(ctx, phc, pw); err != nil || ok != want {
			t.Errorf("Verify(%q): got %v (%v), want %v", pw, ok, err, want)
		}
	}
}
