package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Access-token limits.
const (
	tokenMinKeyLen  = 32
	tokenMaxTTL     = 15 * time.Minute
	tokenMaxLeeway  = time.Minute
	tokenJTIBytes   = 16 // 128 bits
	tokenSigningAlg = "HS256"
)

// ErrInvalidToken is returned by Tokens.Parse for every token it refuses,
// whatever the reason (bad signature, wrong algorithm, expired, wrong issuer
// or audience, missing claim, garbage). Test for it with errors.Is; the
// reason is in the message for logs only.
var ErrInvalidToken = errors.New("auth: invalid access token")

// Claims are the claims of an access token.
type Claims struct {
	// RegisteredClaims carries iss, aud, sub (the username), exp, iat, nbf and jti.
	jwt.RegisteredClaims
	// Role is the user's role: caseworker, supervisor, auditor or admin.
	Role string `json:"role"`
	// Shelter is the user's shelter id; empty for auditors and admins.
	Shelter string `json:"shelter,omitempty"`
	// Session is the refresh-token family id, checked against revocation.
	Session string `json:"sid"`
}

// TokenConfig configures access tokens.
type TokenConfig struct {
	// Key is the HMAC-SHA256 signing key, at least 32 bytes, from configuration.
	Key []byte
	// Issuer is the iss claim written and required.
	Issuer string
	// Audience is the aud claim written and required.
	Audience string
	// TTL is the lifetime of a token: whole seconds, more than 0, at most 15 minutes.
	TTL time.Duration
	// Leeway is the clock skew tolerated on exp, nbf and iat: 0 to 1 minute.
	Leeway time.Duration
}

// Tokens issues and verifies HS256 access tokens. It is safe for concurrent use.
type Tokens struct {
	key      []byte
	issuer   string
	audience string
	ttl      time.Duration
	leeway   time.Duration
	now      func() time.Time
	parser   *jwt.Parser
}

// NewTokens checks c and returns a Tokens that reads the time from now.
func NewTokens(c TokenConfig, now func() time.Time) (*Tokens, error) {
	switch {
	case len(c.Key) < tokenMinKeyLen:
		return nil, fmt.Errorf("auth: token config: key is %d bytes, it must be at least %d", len(c.Key), tokenMinKeyLen)
	case c.Issuer == "":
		return nil, errors.New("auth: token config: issuer is empty")
	case c.Audience == "":
		return nil, errors.New("auth: token config: audience is empty")
	case c.TTL <= 0 || c.TTL > tokenMaxTTL:
		return nil, fmt.Errorf("auth: token config: TTL is %v, it must be more than 0 and at most %v", c.TTL, tokenMaxTTL)
	case c.TTL%time.Second != 0:
		return nil, fmt.Errorf("auth: token config: TTL is %v, it must be a whole number of seconds", c.TTL)
	case c.Leeway < 0 || c.Leeway > tokenMaxLeeway:
		return nil, fmt.Errorf("auth: token config: leeway is %v, it must be between 0 and %v", c.Leeway, tokenMaxLeeway)
	case now == nil:
		return nil, errors.New("auth: token config: clock (now) is nil")
	}
	t := &Tokens{
		key:      append([]byte(nil), c.Key...),
		issuer:   c.Issuer,
		audience: c.Audience,
		ttl:      c.TTL,
		leeway:   c.Leeway,
		now:      now,
	}
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{tokenSigningAlg}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(c.Issuer),
		jwt.WithAudience(c.Audience),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(c.Leeway),
		jwt.WithTimeFunc(now),
		jwt.WithStrictDecoding(),
	)
	return t, nil
}

// Issue signs an HS256 access token for username (the sub claim) with the
// given role, shelter (may be empty) and session (refresh-token family id).
// It returns the token, its lifetime in seconds (the expires_in of the API)
// and its jti, 128 random bits in hex.
func (t *Tokens) Issue(username, role, shelter, session string) (token string, expiresIn int, jti string, err error) {
	switch {
	case username == "":
		return "", 0, "", errors.New("auth: issue access token: username is empty")
	case role == "":
		return "", 0, "", errors.New("auth: issue access token: role is empty")
	case session == "":
		return "", 0, "", errors.New("auth: issue access token: session is empty")
	}
	var id [tokenJTIBytes]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", 0, "", fmt.Errorf("auth: issue access token: read jti: %w", err)
	}
	jti = hex.EncodeToString(id[:])
	now := t.now()
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Audience:  jwt.ClaimStrings{t.audience},
			Subject:   username,
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ID:        jti,
		},
		Role:    role,
		Shelter: shelter,
		Session: session,
	}
	token, err = jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.key)
	if err != nil {
		return "", 0, "", fmt.Errorf("auth: issue access token: sign: %w", err)
	}
	return token, int(t.ttl / time.Second), jti, nil
}

// Parse verifies token and returns its claims. It accepts only HS256 with
// the configured key (headers such as jku, x5u, jwk and kid are ignored),
// requires exp, the configured issuer and audience, checks exp, nbf and iat
// against the clock with the configured leeway, requires non-empty sub,
// jti, sid and role and an iat, and refuses an exp further than the
// configured lifetime from iat or from now. Every refusal is an error that wraps ErrInvalidToken
// and nothing else, so callers cannot branch on the reason.
func (t *Tokens) Parse(token string) (*Claims, error) {
	var claims Claims
	if _, err := t.parser.ParseWithClaims(token, &claims, t.keyFunc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	switch {
	case claims.Subject == "":
		return nil, fmt.Errorf("%w: sub claim is missing", ErrInvalidToken)
	case claims.ID == "":
		return nil, fmt.Errorf("%w: jti claim is missing", ErrInvalidToken)
	case claims.Session == "":
		return nil, fmt.Errorf("%w: sid claim is missing", ErrInvalidToken)
	case claims.Role == "":
		return nil, fmt.Errorf("%w: role claim is missing", ErrInvalidToken)
	case claims.IssuedAt == nil:
		return nil, fmt.Errorf("%w: iat claim is missing", ErrInvalidToken)
	case claims.ExpiresAt.Sub(claims.IssuedAt.Time) > t.ttl:
		// Only someone holding the key signs such a token: a leaked key, or
		// a token made by hand, must not outlive the configured lifetime.
		return nil, fmt.Errorf("%w: exp is more than the token lifetime after iat", ErrInvalidToken)
	case claims.ExpiresAt.Sub(t.now()) > t.ttl+t.leeway:
		return nil, fmt.Errorf("%w: exp is more than the token lifetime from now", ErrInvalidToken)
	}
	return &claims, nil
}

// keyFunc hands the parser the configured key, and only for HMAC-SHA256: any
// other method gets no key. Key-location headers are never consulted.
func (t *Tokens) keyFunc(tok *jwt.Token) (any, error) {
	m, ok := tok.Method.(*jwt.SigningMethodHMAC)
	if !ok || m.Alg() != tokenSigningAlg {
		return nil, fmt.Errorf("unexpected signing method %v", tok.Header["alg"])
	}
	return t.key, nil
}
