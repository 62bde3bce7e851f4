// Package eligibility owns the loss-risk rules of casemgr (docs/rules.md): the
// civil Date type and its arithmetic in Europe/Brussels, the vocabulary of
// the NRM path (states, proceedings, severities, kinds, bases), the rule
// Settings, the Snapshot of facts the rules read, the Deadlines of a case,
// and Evaluate, which turns a snapshot, a date and the settings into flags
// that cite the 2025 Trafficking in Persons Report (rule set Version).
//
// The package is pure and deterministic: it imports no other package of the
// project, touches no database, HTTP or clock (the date is always a
// parameter; Today converts a time the caller got from its own clock), and
// the same inputs always give the same output.
//
// The rules are rows of one table (catalogue.go): each row's Fires decides
// whether the rule fires and in which form, and its Detail says why as a
// Text that any language can render (text.go). Performance, measured
// 2026-12-03 on the 2-core build machine shared with other builds, one run
// of `go test -bench 'Evaluate$|FSMEvent' -count 3`: BenchmarkEvaluate
// (one call, a mix of 8 snapshots raising 0 to 8 flags) 5.9–6.6 µs/op
// against 3.8–4.1 µs/op for BenchmarkFSMEvent (a new looplab/fsm and one
// Event): ratio ≈ 1.6 (goal: at most 2; ≈ 0.6 with the earlier
// byte-appending switch, which was not worth its unreadability next to a
// database write of ≈ 1 ms).
package eligibility
