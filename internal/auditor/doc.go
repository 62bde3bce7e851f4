// Package auditor owns what auditors do with the audit trail, for the HTTP
// API and the CLI alike: streaming exports of the hash-chained audit log
// and of the read-access log (each export itself recorded in the chain
// before it streams), verification of the chain together with its signed
// checkpoints, and the checkpoints themselves: Ed25519 signatures over the
// chain head, made on demand and daily, with the key kept in
// checkpoint.key in the key directory, outside the database file.
//
// The formats, the chain and the checkpoint message are those of
// internal/audit; docs/audit.md describes them for third parties.
package auditor
