// Package loadgen drives a running casemgr over HTTP and measures it
// against baselines taken in the same run, for `casemgr loadtest` and for
// the zero-loss and crash-safety harnesses.
//
// Run logs the users in, lets every client open a few cases of its own,
// then keeps N clients busy for a duration (and at most a number of
// requests) with a mix of reads (GET a case, the first page of the case
// list, the deadline board) and writes (fact events that every open case
// accepts, on the client's own cases). It records the latency and status
// of every request and, for writes, which were acknowledged (200) and the
// case version each acknowledgement reported.
//
// BaselineReads drives a bare echo handler served in the same process on
// 127.0.0.1:0 with the same client code; BaselineWrites makes one-row
// durable commits on a scratch SQLite file opened with casemgr's settings
// (store.SQLiteDSN: WAL, synchronous=FULL, IMMEDIATE transactions, one
// writer connection) from the same number of goroutines. Summary compares
// the run with them.
//
// Ratios: clients are closed loops (each sends its next request when the
// previous one is answered), so a class of requests would be served at
// clients / mean latency if every client did only that. The ratio of a
// class is that capacity over the baseline's (its measured throughput),
// which for a run of only reads or only writes is the plain throughput
// ratio, and stays meaningful for a mixed run.
package loadgen
