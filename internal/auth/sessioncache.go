package auth

import (
	"sync"
	"time"
)

// SessionCacheTTL is how long a session verified in the database is
// trusted from memory by Authenticate (docs/security.md "Sessions"). A
// logout, a refresh-token reuse, a password reset, disabling a user,
// changing a role, or confirming or disabling a second factor on this
// instance takes effect at once: the memory is
// emptied when the change commits. The same change made through another
// server process (another instance on PostgreSQL, or the casemgr command
// line) takes effect here within this time.
//
// Looking the session up on every request was about 30% of the CPU of a
// GET (docs/performance.md "Issue 18").
const SessionCacheTTL = 2 * time.Second

// sessionCache remembers the sessions Authenticate found valid. Its zero
// value is ready for use.
type sessionCache struct {
	mu sync.Mutex
	// gen moves on every revocation, so that a lookup that read the
	// database before a revocation committed does not store its (then
	// stale) answer after it.
	gen uint64
	m   map[sessionKey]sessionEntry
	// tokens are access tokens already verified, by their text: the
	// signature and claims of a token never change, and what time changes
	// (exp) is checked again on every use.
	tokens map[string]tokenEntry
}

type tokenEntry struct {
	claims *Claims
	parsed time.Time
}

type sessionKey struct{ username, session string }

type sessionEntry struct {
	actor     Actor
	expiresAt time.Time // the session's own expiry
	checked   time.Time // when the database said it was valid
}

// sessionCacheMax bounds the sessions remembered; beyond it the memory is
// emptied and filled again from the database.
const sessionCacheMax = 10000

// lookup returns the actor of a session verified less than
// SessionCacheTTL ago and not expired at now.
func (c *sessionCache) lookup(username, session string, now time.Time) (Actor, bool) {
	c.mu.Lock()
	e, ok := c.m[sessionKey{username, session}]
	c.mu.Unlock()
	if !ok || now.Sub(e.checked) >= SessionCacheTTL || now.Sub(e.checked) < 0 || !now.Before(e.expiresAt) {
		return Actor{}, false
	}
	return e.actor, true
}

// generation returns the revocation count, read before the database.
func (c *sessionCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// keep remembers a valid session read from the database at checked,
// unless a revocation committed since gen was read.
func (c *sessionCache) keep(a Actor, expiresAt, checked time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= sessionCacheMax {
		c.m = map[sessionKey]sessionEntry{}
	}
	c.m[sessionKey{a.Username, a.Session}] = sessionEntry{actor: a, expiresAt: expiresAt, checked: checked}
}

// revoked forgets every session: called once a change that ends sessions
// or changes users has committed (or failed: forgetting is always safe).
func (c *sessionCache) revoked() {
	c.mu.Lock()
	c.gen++
	c.m = nil
	c.mu.Unlock()
}

// parsed returns the claims of a token verified before, while now is
// before its expiry (no leeway: stricter than Tokens.Parse).
func (c *sessionCache) parsed(token string, now time.Time) (*Claims, bool) {
	c.mu.Lock()
	e, ok := c.tokens[token]
	c.mu.Unlock()
	if !ok || now.Before(e.parsed) || e.claims.ExpiresAt == nil || !now.Before(e.claims.ExpiresAt.Time) {
		return nil, false
	}
	return e.claims, true
}

// keepParsed remembers the claims of a token Tokens.Parse accepted at now.
func (c *sessionCache) keepParsed(token string, claims *Claims, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tokens == nil || len(c.tokens) >= sessionCacheMax {
		c.tokens = map[string]tokenEntry{}
	}
	c.tokens[token] = tokenEntry{claims: claims, parsed: now}
}

// sessionsChanged empties the session memory; revoking functions defer
// it, so that it runs after their transaction has committed.
func (s *Service) sessionsChanged() { s.sessions.revoked() }
