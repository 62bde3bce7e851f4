// Package audit owns casemgr's append-only, hash-chained audit log: the
// Record type and its export form, the canonical JSON (RFC 8785, JCS) that
// every hash is computed over, the chain hash itself, streaming verification,
// and the persistence of the log in the audit_log and audit_head tables.
//
// Each Record's hash is hex(SHA-256(prev_hash + JCS(record without hash))),
// where prev_hash is the hash of the record before it (64 zeros for seq 1).
// Append adds one record inside the caller's transaction, so a change and
// its audit record commit together or not at all. VerifyDB and Verifier
// recompute the chain and report the first record that does not fit.
//
// docs/audit.md describes the format precisely enough to verify an export
// in another language. The package knows nothing of HTTP and imports no
// other casemgr package.
package audit
