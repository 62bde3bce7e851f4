// Package store opens casemgr's database and applies its versioned schema
// migrations. It owns the connection pools, the SQL dialects and the
// transaction discipline.
//
// Two engines are supported. SQLite (the default) gets one writer
// connection whose transactions begin IMMEDIATE, so writers queue, and a
// separate read-only pool. PostgreSQL gets one pool for reads and writes;
// its transactions run at READ COMMITTED, and every read-then-write in the
// services either updates with a version check (optimistic locking),
// upserts, or locks the rows it read (SELECT … FOR UPDATE: the case row
// first, the audit chain head last). Tx retries the transactions that
// PostgreSQL aborts for serialization failures or deadlocks.
//
// Migrations are SQL files per dialect, embedded under
// migrations/<dialect>/NNNN_name.sql, with the same versions and names in
// every dialect; Migrate applies them in order, each in its own
// transaction, and records them in schema_migrations. On PostgreSQL
// Migrate holds an advisory lock so that several servers starting at once
// apply each migration exactly once.
//
// Copy copies every table of one database into another (the
// `casemgr migrate-data` command). The sub-package storetest opens
// fresh PostgreSQL schemas for tests.
package store
