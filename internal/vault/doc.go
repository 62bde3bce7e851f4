// Package vault owns the server's secrets and the encryption of victims'
// identity data (names, date of birth, contact details, free-text notes).
//
// # Secrets
//
// Open loads, or generates on first use, four files in a directory outside
// the database (the data directory by default), each created with mode 0600
// in a 0700 directory and refused when group or others may access it:
//
//   - jwt.key: the HMAC key that signs access tokens (Keys.JWTKey);
//   - note-digest.key: the key of the audit record's note_digest (Keys.NoteDigest);
//   - index.key: the root of the blind-index key (Keys.BlindIndex), which is
//     derived from it with HKDF-SHA-256, info "casemgr name index v1";
//   - kek.keys: the ring of key-encryption keys (KEKs), one "<id> <base64>"
//     per line, ids k1, k2, … strictly increasing; the last one is current.
//     Options.KEKBase64 replaces the ring by one KEK given from the
//     environment (id "k1"; no kek.keys is read or created, and rotation goes
//     through a ring file: write "k1 <same base64>" to kek.keys and unset it).
//
// Single-key files hold one line of standard base64 of 32 random bytes.
// ReadKeyFile and LoadOrCreateKeyFile apply the same format and rules to the
// key files other packages keep in that directory (checkpoint.key, the audit
// checkpoint signing key of internal/auditor). New key files are written to
// a synced temporary file and hard-linked into place, so none is ever seen
// half written and an existing one is never replaced.
//
// # Envelope encryption
//
// Each case has its own random AES-256 data key (NewDataKey). The caller
// stores only the wrapped form, sealed with AES-256-GCM under the current
// KEK (through an HKDF-derived wrapping key) with the case id as associated
// data. Destroying a case's wrapped key erases the case: every identity field
// sealed with its data key becomes unrecoverable, and nothing else changes.
//
// Formats, each starting with a version byte so they can evolve:
//
//	wrapped data key: 0x01 | len(kek id) | kek id | nonce(12) | sealed key(32) | tag(16)
//	  AAD = "casemgr data key v1" | u32len+header | u32len+case id
//	field ciphertext: 0x01 | nonce(12) | ciphertext | tag(16)
//	  AAD = "casemgr field v1" | 0x01 | u32len+case id | u32len+field
//
// where u32len is a 4-byte big-endian length, so no two (case, field) pairs
// share an associated data. Nonces are random (cipher.NewGCMWithRandomNonce);
// with one key per case the 2^32-messages-per-key bound is never near. An
// empty plaintext is sealed to nil (store NULL), and a nil ciphertext opens to
// nil: the absence of a value is not authenticated.
//
// # Key rotation without downtime
//
//  1. RotateKEK appends a new KEK to kek.keys (temporary file, fsync,
//     rename, fsync of the directory, under the lock file kek.keys.lock)
//     and makes it current. Old KEKs stay, so every stored key still
//     unwraps.
//  2. Rewrap each case's wrapped key and store the result when it reports
//     true; the server keeps running meanwhile. A server that opened Keys
//     earlier re-reads kek.keys before wrapping a new data key (one stat per
//     NewDataKey) and when it meets an unknown KEK id, so it wraps with the
//     new KEK and opens re-wrapped keys without a restart.
//  3. RetireKEK removes the old KEK. A key that was not re-wrapped then fails
//     with ErrUnknownKEK.
//
// # Blind index
//
// Exact full-name search uses BlindIndex: hex HMAC-SHA-256 of NormalizeName
// (NFKD, marks dropped, lower case, ß→ss and a few letters that NFKD keeps:
// ı ł ø đ ħ æ œ; white space collapsed). Equal names give equal indexes, so
// the index leaks which cases share a name to whoever reads the database, but
// nothing else without index.key.
//
// # Performance
//
// On the project machine (AMD EPYC, 2 cores, go test -bench . -benchtime 2s):
//
//	BenchmarkSealOpenName     348 ns/op   248 B/op   4 allocs/op  (Seal + Open of a 20-byte name)
//	BenchmarkUnwrapDataKey    520 ns/op  1394 B/op   5 allocs/op
//	BenchmarkNewDataKey      2510 ns/op  1796 B/op   9 allocs/op  (includes the stat of kek.keys)
//	BenchmarkBlindIndex      1056 ns/op  1352 B/op  14 allocs/op
//
// Decrypting a page of 50 cases (unwrap plus a few fields each) costs well
// under 0.1 ms.
package vault
