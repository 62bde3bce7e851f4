// Package seed generates realistic synthetic cases for load, crash and scale
// tests, and writes them into a casemgr database by one of two paths.
//
// A Generator turns a random seed into Plans: a victim (names, date of birth,
// gender, nationality), exploitation types, the identification, and an
// ordered list of NRM events with their dates and data, spread over shelters,
// states, nationalities and exploitation types in proportions taken from
// the source report (docs/sources/tip-2025-belgium.md). Every plan is a
// valid path through the state machines of docs/model.md as of the generator's "today":
// the generator applies each event it draws to a cases.Draft (the case
// service's own validation, state machines, guards and fact updates, without
// a database). A fact event the Draft refuses is drawn again; a refused step
// of the case's scenario is an error. The package holds no copy of the NRM
// logic.
//
// ServicePath writes plans through the real case service (cases.Service
// Create and RecordEvent): one transaction per change, exactly as the API
// does. It is the reference, and fast enough for a few thousand cases.
//
// Bulk writes plans in large transactions, with the CPU work (data keys,
// encryption, blind indexes, facts, flags, deadlines, canonical audit data)
// spread over worker goroutines and one writer that inserts multi-row
// statements in one transaction per batch. What the writer shares with the
// service it takes from the service's own code: the references from
// cases.NextReference, the encryption of identities and notes from
// cases.SealIdentity and cases.SealNote, and the hash chain from
// audit.AppendBatch (audit.Append for many records at once).
// Each worker replays a plan on a cases.Draft (Create's validation, then
// RecordEvent's checks and transitions for every event), which gives the
// states before and after each event, the normalised event data, the facts,
// the age band, the flags and the deadlines. The rows it produces are
// identical in form to the service's: the same per-case data key and field
// encryption, the same facts JSON, the same case_flags and case_deadlines
// rows as of today, the same audit records (event, dates, states, canonical
// data, note digest) chained by audit.AppendBatch, and encrypted notes in
// case_notes. seed_test.go checks this
// against ServicePath case by case.
//
// The package is for tests and the `casemgr seed-data` command; the server
// never imports it.
package seed
