// Package eligibility owns the loss-risk rules of casemgr (rules.md): the
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
// Performance (measured 2026-11-27 on the 2-core AMD EPYC build machine,
// shared with other builds, go1.26, `go test -bench . -count 10`):
// BenchmarkEvaluate (one Evaluate call, cycling through a mix of 8
// snapshots raising 0 to 8 flags) median 1.60 µs/op, 1406 B/op, 5 allocs/op;
// BenchmarkFSMEvent (a new looplab/fsm with 7 NRM events and one Event call)
// median 2.47 µs/op, 1913 B/op, 13 allocs/op. Ratio Evaluate/FSM = 0.65
// (goal: at most 2). With -cpu 1: 0.81 µs vs 1.79 µs, ratio 0.45.
package eligibility
