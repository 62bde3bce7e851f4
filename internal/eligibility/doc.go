// Package eligibility owns the loss-risk rules of casemgr (rules.md): the
// civil Date type and its arithmetic in Europe/Brussels, the vocabulary of
// the NRM path (states, proceedings, severities), the rule settings, the
// Snapshot of facts the rules read, the deadlines of a case, and Evaluate,
// which turns a snapshot, a date and the settings into flags citing the
// 2025 Trafficking in Persons Report.
//
// The package is pure and deterministic: it imports no other package of the
// project, touches no database, HTTP or clock (the date is always a
// parameter), and the same inputs always give the same output.
package eligibility
