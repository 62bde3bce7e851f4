// Package report produces casemgr's national statistics: the annual report
// (victims identified and their breakdowns, reflection periods and
// permits, withdrawals, proceedings outcomes, compensation, and the victims
// each loss-risk rule flagged during the year) and the k-anonymous
// record-level export in the Counter Trafficking Data Collaborative's
// columns.
//
// Figures come only from the audit chain (event dates, states and data, up
// to a cut-off seq) and the cases' statistical attributes, which are kept
// after erasure, so a report with the same cut-off, as-of date and rules
// version is reproducible. Flags are recomputed by replaying each case's
// events day by day (the recorded states, the derived facts) under the rules. Reports that
// leave the shelter get small-cell protection (Protect); every export is
// recorded in the audit chain with the digest of its bytes.
package report
