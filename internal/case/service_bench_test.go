package cases_test

import (
	"fmt"
	"testing"

	"gorm.io/gorm"

	cases "github.com/casemgr/casemgr/internal/case"
)

// BenchmarkRecordEvent records one fact event per iteration through
// Service.RecordEvent on a SQLite file with the production settings (WAL,
// synchronous=FULL, IMMEDIATE transactions): load, decrypt, check, apply,
// save with version+1, flags and deadlines, audit append, commit.
func BenchmarkRecordEvent(b *testing.B) {
	f := setup(b)
	c := f.create(f.cw, victim("Amara", "Okafor", "NG", "2025-01-10"))
	f.record(c.ID, ev("file_complaint", "2025-01-11", nil))
	in := cases.EventInput{Type: "prove_identity", OccurredOn: "2025-02-01"}
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.svc.RecordEvent(ctx, f.cw, c.ID, in); err != nil {
			b.Fatalf("record: %v", err)
		}
	}
}

// BenchmarkRawCommit is the floor RecordEvent is measured against: a
// one-row INSERT in its own transaction through env.DB.Write on the same
// kind of database.
func BenchmarkRawCommit(b *testing.B) {
	f := setup(b)
	if err := f.env.DB.Write.Exec("CREATE TABLE bench_scratch (id INTEGER PRIMARY KEY, v TEXT NOT NULL)").Error; err != nil {
		b.Fatalf("create table: %v", err)
	}
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		err := f.env.DB.Write.Transaction(func(tx *gorm.DB) error {
			return tx.Exec("INSERT INTO bench_scratch (v) VALUES (?)", fmt.Sprint(i)).Error
		})
		if err != nil {
			b.Fatalf("insert: %v", err)
		}
	}
}
