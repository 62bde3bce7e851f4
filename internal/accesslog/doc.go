// Package accesslog owns the read-access log: the append-only access_log
// table that records who read which case file when (the API's and the web
// UI's reads alike), the batching Recorder that writes it, and the
// streaming read behind the auditors' export.
//
// An Entry names the case by id and shelter only: no identity field of the
// victim is ever copied into it. Reads must stay fast, so Record only
// queues the entry; a goroutine writes the queue in one transaction per
// batch, at least once per FlushInterval (a second by default) and on
// Close. A crash can therefore lose at most the last interval's entries.
// When the queue is full, Record waits for room rather than dropping the
// entry. The log is not part of the audit hash chain.
package accesslog
