package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// tokTestNow is the fixed clock of the token tests.
var tokTestNow = time.Date(2025, time.March, 14, 9, 30, 0, 0, time.UTC)

// tokTestKey is a 32-byte HS256 key.
var tokTestKey = []byte("casemgr-test-key-0123456789abcdef")

const (
	tokTestIssuer   = "casemgr"
	tokTestAudience = "casemgr-api"
	tokTestJTI      = "00112233445566778899aabbccddeeff"
)

// tokTestConfig is a valid configuration: 15-minute tokens, 30 s leeway.
func tokTestConfig() TokenConfig {
	return TokenConfig{Key: tokTestKey, Issuer: tokTestIssuer, Audience: tokTestAudience, TTL: 15 * time.Minute, Leeway: 30 * time.Second}
}

// tokTestTokens returns Tokens whose clock reads *clock.
func tokTestTokens(t *testing.T, clock *time.Time) *Tokens {
	t.Helper()
	tk, err := NewTokens(tokTestConfig(), func() time.Time { return *clock })
	if err != nil {
		t.Fatalf("NewTokens: got error %v, want nil", err)
	}
	return tk
}

// tokTestClaims returns valid claims at tokTestNow, changed by edit.
func tokTestClaims(edit func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss":     tokTestIssuer,
		"aud":     []string{tokTestAudience},
		"sub":     "alice",
		"exp":     tokTestNow.Add(10 * time.Minute).Unix(),
		"iat":     tokTestNow.Unix(),
		"nbf":     tokTestNow.Unix(),
		"jti":     tokTestJTI,
		"role":    "caseworker",
		"shelter": "payoke",
		"sid":     "family-1",
	}
	if edit != nil {
		edit(c)
	}
	return c
}

// tokTestSign signs claims with method and key, adding extra headers.
func tokTestSign(t *testing.T, method jwt.SigningMethod, key any, claims jwt.Claims, headers map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range headers {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign test token with %s: %v", method.Alg(), err)
	}
	return s
}

// tokTestSegment is the unpadded base64url JSON encoding of v.
func tokTestSegment(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %v: %v", v, err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestNewTokensConfig(t *testing.T) {
	now := func() time.Time { return tokTestNow }
	tests := []struct {
		name    string
		edit    func(*TokenConfig)
		now     func() time.Time
		wantErr string // "" means accepted
	}{
		{"valid", nil, now, ""},
		{"15-minute TTL and 1-minute leeway", func(c *TokenConfig) { c.Leeway = time.Minute }, now, ""},
		{"1-second TTL and no leeway", func(c *TokenConfig) { c.TTL, c.Leeway = time.Second, 0 }, now, ""},
		{"31-byte key", func(c *TokenConfig) { c.Key = c.Key[:31] }, now, "key is 31 bytes"},
		{"no key", func(c *TokenConfig) { c.Key = nil }, now, "key is 0 bytes"},
		{"empty issuer", func(c *TokenConfig) { c.Issuer = "" }, now, "issuer is empty"},
		{"empty audience", func(c *TokenConfig) { c.Audience = "" }, now, "audience is empty"},
		{"zero TTL", func(c *TokenConfig) { c.TTL = 0 }, now, "TTL is 0s"},
		{"negative TTL", func(c *TokenConfig) { c.TTL = -time.Minute }, now, "TTL is -1m0s"},
		{"TTL over 15 minutes", func(c *TokenConfig) { c.TTL = 15*time.Minute + time.Second }, now, "TTL is 15m1s"},
		{"TTL not whole seconds", func(c *TokenConfig) { c.TTL = 1500 * time.Millisecond }, now, "whole number of seconds"},
		{"negative leeway", func(c *TokenConfig) { c.Leeway = -time.Second }, now, "leeway is -1s"},
		{"leeway over a minute", func(c *TokenConfig) { c.Leeway = 2 * time.Minute }, now, "leeway is 2m0s"},
		{"nil clock", nil, nil, "clock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tokTestConfig()
			if tt.edit != nil {
				tt.edit(&c)
			}
			tk, err := NewTokens(c, tt.now)
			switch {
			case tt.wantErr == "" && (err != nil || tk == nil):
				t.Fatalf("NewTokens = %v, %v; want Tokens, nil", tk, err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("NewTokens = %v, nil; want an error saying %q", tk, tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("NewTokens: got error %q, want it to say %q", err, tt.wantErr)
			}
		})
	}
}

func TestTokensIssueParseRoundTrip(t *testing.T) {
	clock := tokTestNow
	tk := tokTestTokens(t, &clock)
	jtiPattern := regexp.MustCompile(`^[0-9a-f]{32}$`)
	tests := []struct {
		name, username, role, shelter, session string
	}{
		{"caseworker with shelter", "alice", "caseworker", "payoke", "family-1"},
		{"admin without shelter", "root", "admin", "", "family-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, expiresIn, jti, err := tk.Issue(tt.username, tt.role, tt.shelter, tt.session)
			if err != nil {
				t.Fatalf("Issue: got error %v, want nil", err)
			}
			if expiresIn != 900 {
				t.Fatalf("expiresIn = %d, want 900 (the TTL in seconds)", expiresIn)
			}
			if !jtiPattern.MatchString(jti) {
				t.Fatalf("jti = %q, want 32 lower-case hex digits", jti)
			}
			header := strings.SplitN(token, ".", 2)[0]
			if want := tokTestSegment(t, map[string]string{"alg": "HS256", "typ": "JWT"}); header != want {
				t.Fatalf("header segment = %q, want %q", header, want)
			}
			c, err := tk.Parse(token)
			if err != nil {
				t.Fatalf("Parse: got error %v, want nil", err)
			}
			want := Claims{
				RegisteredClaims: jwt.RegisteredClaims{
					Issuer:    tokTestIssuer,
					Subject:   tt.username,
					Audience:  jwt.ClaimStrings{tokTestAudience},
					ExpiresAt: jwt.NewNumericDate(time.Date(2025, time.March, 14, 9, 45, 0, 0, time.UTC)),
					NotBefore: jwt.NewNumericDate(tokTestNow),
					IssuedAt:  jwt.NewNumericDate(tokTestNow),
					ID:        jti,
				},
				Role: tt.role, Shelter: tt.shelter, Session: tt.session,
			}
			if c.Issuer != want.Issuer || c.Subject != want.Subject || c.ID != want.ID ||
				strings.Join(c.Audience, ",") != strings.Join(want.Audience, ",") ||
				c.Role != want.Role || c.Shelter != want.Shelter || c.Session != want.Session {
				t.Fatalf("Parse claims = %+v, want %+v", *c, want)
			}
			for _, d := range []struct {
				name      string
				got, want *jwt.NumericDate
			}{
				{"exp", c.ExpiresAt, want.ExpiresAt},
				{"nbf", c.NotBefore, want.NotBefore},
				{"iat", c.IssuedAt, want.IssuedAt},
			} {
				if d.got == nil || !d.got.Equal(d.want.Time) {
					t.Fatalf("%s = %v, want %v", d.name, d.got, d.want)
				}
			}
		})
	}
}

func TestTokensIssueOmitsEmptyShelter(t *testing.T) {
	clock := tokTestNow
	tk := tokTestTokens(t, &clock)
	token, _, _, err := tk.Issue("root", "admin", "", "family-2")
	if err != nil {
		t.Fatalf("Issue: got error %v, want nil", err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil {
		t.Fatalf("decode payload: %v", err)
	}
	var fields map[string]any
	if err := json.Unmarshal(payload, &fields); err != nil {
		t.Fatalf("unmarshal payload: %v", err)
	}
	if _, ok := fields["shelter"]; ok {
		t.Fatalf("payload = %s, want no shelter claim", payload)
	}
	if got := fields["sid"]; got != "family-2" {
		t.Fatalf("sid claim = %v, want family-2", got)
	}
}

func TestTokensIssueUniqueJTI(t *testing.T) {
	clock := tokTestNow
	tk := tokTestTokens(t, &clock)
	seen := map[string]bool{}
	for i := range 50 {
		_, _, jti, err := tk.Issue("alice", "caseworker", "payoke", "family-1")
		if err != nil {
			t.Fatalf("Issue #%d: got error %v, want nil", i, err)
		}
		if seen[jti] {
			t.Fatalf("Issue #%d: jti %s repeated, want a fresh one", i, jti)
		}
		seen[jti] = true
	}
}

func TestTokensIssueRefusesMissingClaims(t *testing.T) {
	clock := tokTestNow
	tk := tokTestTokens(t, &clock)
	tests := []struct {
		name, username, role, session string
	}{
		{"no username", "", "caseworker", "family-1"},
		{"no role", "alice", "", "family-1"},
		{"no session", "alice", "caseworker", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, _, _, err := tk.Issue(tt.username, tt.role, "payoke", tt.session)
			if err == nil {
				t.Fatalf("Issue = %q, nil; want an error", token)
			}
		})
	}
}

func TestTokensKeyIsCopied(t *testing.T) {
	clock := tokTestNow
	c := tokTestConfig()
	c.Key = append([]byte(nil), tokTestKey...)
	tk, err := NewTokens(c, func() time.Time { return clock })
	if err != nil {
		t.Fatalf("NewTokens: got error %v, want nil", err)
	}
	token, _, _, err := tk.Issue("alice", "caseworker", "payoke", "family-1")
	if err != nil {
		t.Fatalf("Issue: got error %v, want nil", err)
	}
	c.Key[0] ^= 0xff
	if _, err := tk.Parse(token); err != nil {
		t.Fatalf("Parse after the caller changed its key slice: got error %v, want nil", err)
	}
}

func TestTokensParseLeeway(t *testing.T) {
	tests := []struct {
		name    string
		offset  time.Duration // from the issue time to the parse time
		wantErr bool
	}{
		{"just issued", 0, false},
		{"one second before expiry", 15*time.Minute - time.Second, false},
		{"expired within leeway", 15*time.Minute + 29*time.Second, false},
		{"expired by exactly the leeway", 15*time.Minute + 30*time.Second, true},
		{"expired beyond leeway", 15*time.Minute + 31*time.Second, true},
		{"issued in the future within leeway", -30 * time.Second, false},
		{"issued in the future beyond leeway", -31 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := tokTestNow
			tk := tokTestTokens(t, &clock)
			token, _, _, err := tk.Issue("alice", "caseworker", "payoke", "family-1")
			if err != nil {
				t.Fatalf("Issue: got error %v, want nil", err)
			}
			clock = tokTestNow.Add(tt.offset)
			c, err := tk.Parse(token)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidToken) || c != nil {
					t.Fatalf("Parse at %v = %v, %v; want nil, ErrInvalidToken", clock, c, err)
				}
				if errors.Is(err, jwt.ErrTokenExpired) || errors.Is(err, jwt.ErrTokenUsedBeforeIssued) {
					t.Fatalf("Parse: got error %v that exposes the jwt reason, want only ErrInvalidToken", err)
				}
				return
			}
			if err != nil || c == nil || c.Subject != "alice" {
				t.Fatalf("Parse at %v = %+v, %v; want alice's claims, nil", clock, c, err)
			}
		})
	}
}

func TestTokensParseRejects(t *testing.T) {
	clock := tokTestNow
	tk := tokTestTokens(t, &clock)

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate RSA key: %v", err)
	}
	otherKey := []byte("another-32-byte-key-for-hs256!!!")
	valid, _, _, err := tk.Issue("alice", "caseworker", "payoke", "family-1")
	if err != nil {
		t.Fatalf("Issue: got error %v, want nil", err)
	}
	parts := strings.Split(valid, ".")
	without := func(claim string) jwt.MapClaims {
		return tokTestClaims(func(c jwt.MapClaims) { delete(c, claim) })
	}
	with := func(claim string, v any) jwt.MapClaims {
		return tokTestClaims(func(c jwt.MapClaims) { c[claim] = v })
	}
	hs256 := func(claims jwt.MapClaims) string {
		return tokTestSign(t, jwt.SigningMethodHS256, tokTestKey, claims, nil)
	}

	// The control: a hand-signed token with tokTestClaims is accepted, so each
	// case below fails for its own reason only.
	if c, err := tk.Parse(hs256(tokTestClaims(nil))); err != nil || c.Subject != "alice" || c.ID != tokTestJTI {
		t.Fatalf("Parse(control) = %+v, %v; want alice's claims, nil", c, err)
	}

	// A canonical 32-byte signature ends in a character whose two low bits
	// are zero; setting one gives the same bytes in a non-canonical spelling.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	sig := parts[2]
	malleable := sig[:len(sig)-1] + string(alphabet[strings.IndexByte(alphabet, sig[len(sig)-1])|1])

	tests := []struct {
		name  string
		token string
	}{
		{"alg none", tokTestSegment(t, map[string]string{"alg": "none", "typ": "JWT"}) + "." + tokTestSegment(t, tokTestClaims(nil)) + "."},
		{"alg None", tokTestSegment(t, map[string]string{"alg": "None", "typ": "JWT"}) + "." + tokTestSegment(t, tokTestClaims(nil)) + "."},
		{"HS256 header with empty signature", parts[0] + "." + parts[1] + "."},
		{"HS384 with the same key", tokTestSign(t, jwt.SigningMethodHS384, tokTestKey, tokTestClaims(nil), nil)},
		{"HS512 with the same key", tokTestSign(t, jwt.SigningMethodHS512, tokTestKey, tokTestClaims(nil), nil)},
		{"RS256", tokTestSign(t, jwt.SigningMethodRS256, rsaKey, tokTestClaims(nil), nil)},
		{"jku and jwk headers naming the attacker's key", tokTestSign(t, jwt.SigningMethodHS256, otherKey, tokTestClaims(nil), map[string]any{
			"jku": "https://attacker.example/jwks.json",
			"x5u": "https://attacker.example/cert.pem",
			"jwk": map[string]string{"kty": "oct", "k": base64.RawURLEncoding.EncodeToString(otherKey)},
		})},
		{"no exp", hs256(without("exp"))},
		{"expired beyond leeway", hs256(with("exp", tokTestNow.Add(-31*time.Second).Unix()))},
		// Issue 20: a token signed with the key but living longer than
		// the configured lifetime (15 minutes here).
		{"exp a year after iat", hs256(with("exp", tokTestNow.Add(365*24*time.Hour).Unix()))},
		{"exp 16 minutes after iat", hs256(with("exp", tokTestNow.Add(16*time.Minute).Unix()))},
		{"no iat", hs256(without("iat"))},
		{"nbf in the future", hs256(with("nbf", tokTestNow.Add(5*time.Minute).Unix()))},
		{"iat in the future", hs256(with("iat", tokTestNow.Add(5*time.Minute).Unix()))},
		{"wrong issuer", hs256(with("iss", "someone-else"))},
		{"no issuer", hs256(without("iss"))},
		{"wrong audience", hs256(with("aud", []string{"another-api"}))},
		{"no audience", hs256(without("aud"))},
		{"missing sub", hs256(without("sub"))},
		{"empty sub", hs256(with("sub", ""))},
		{"missing jti", hs256(without("jti"))},
		{"missing sid", hs256(without("sid"))},
		{"missing role", hs256(without("role"))},
		{"empty role", hs256(with("role", ""))},
		{"tampered payload", parts[0] + "." + tokTestSegment(t, tokTestClaims(func(c jwt.MapClaims) { c["role"] = "admin" })) + "." + parts[2]},
		{"tampered signature", parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))},
		{"non-canonical signature encoding", parts[0] + "." + parts[1] + "." + malleable},
		{"wrong key", tokTestSign(t, jwt.SigningMethodHS256, otherKey, tokTestClaims(nil), nil)},
		{"garbage", "garbage"},
		{"three garbage segments", "not.a.token"},
		{"empty string", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tk.Parse(tt.token)
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("Parse: got error %v, want ErrInvalidToken", err)
			}
			if c != nil {
				t.Fatalf("Parse: got claims %+v, want nil", *c)
			}
			t.Logf("refused: %v", err)
		})
	}
}

func TestTokensKeyFuncRefusesOtherMethods(t *testing.T) {
	clock := tokTestNow
	tk := tokTestTokens(t, &clock)
	tests := []struct {
		name    string
		method  jwt.SigningMethod
		wantKey bool
	}{
		{"HS256", jwt.SigningMethodHS256, true},
		{"HS384", jwt.SigningMethodHS384, false},
		{"HS512", jwt.SigningMethodHS512, false},
		{"RS256", jwt.SigningMethodRS256, false},
		{"ES256", jwt.SigningMethodES256, false},
		{"none", jwt.SigningMethodNone, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := tk.keyFunc(&jwt.Token{Method: tt.method, Header: map[string]any{"alg": tt.method.Alg()}})
			if tt.wantKey {
				if err != nil || string(key.([]byte)) != string(tokTestKey) {
					t.Fatalf("keyFunc(%s) = %v, %v; want the configured key, nil", tt.method.Alg(), key, err)
				}
				return
			}
			if err == nil || key != nil {
				t.Fatalf("keyFunc(%s) = %v, %v; want nil, an error", tt.method.Alg(), key, err)
			}
		})
	}
}
