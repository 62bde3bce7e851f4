// Package auth owns who may use casemgr: user accounts with argon2id
// password hashes, login sessions with rotating refresh tokens, short-lived
// JWT access tokens (HS256, issuer and audience checked, expiry required),
// the four roles, and the Actor that every service call is made on behalf
// of. It knows nothing of HTTP: the HTTP layer turns a bearer token into an
// Actor with Authenticate and maps the errors returned here.
package auth
