package audit

import (
	"context"
	"slices"
	"testing"

	"gorm.io/gorm"
)

// TestAppendBatch checks that one batch, over more than one INSERT
// statement, writes the chain that appending each record in turn writes,
// after records already in the log, and moves audit_head to its end.
func TestAppendBatch(t *testing.T) {
	const before, n = 3, 2*batchRows + 7
	one, batch := newTestDB(t, 1), newTestDB(t, 1)
	c1, c2 := &clock{}, &clock{}
	appendN(t, one.write, before, c1)
	appendN(t, batch.write, before, c2)
	want := appendN(t, one.write, n, c1)

	recs := make([]Record, n)
	for i := range recs {
		recs[i] = testRecord(t, i+1, c2) // as appendN numbers them
	}
	if err := batch.write.Transaction(func(tx *gorm.DB) error { return AppendBatch(tx, recs) }); err != nil {
		t.Fatalf("AppendBatch: %v", err)
	}
	if !slices.Equal(recs, want) {
		t.Fatalf("batch records differ from one-by-one appends: first %+v, want %+v", recs[0], want[0])
	}
	if got := readAll(t, batch.write); !slices.Equal(got, readAll(t, one.write)) {
		t.Fatalf("stored logs differ")
	}
	seq, hash, err := Head(batch.write)
	if err != nil || seq != before+n || hash != want[n-1].Hash {
		t.Fatalf("head = %d %s (%v), want %d %s", seq, hash, err, before+n, want[n-1].Hash)
	}
	res, err := VerifyDB(context.Background(), batch.write)
	if err != nil || !res.OK {
		t.Fatalf("VerifyDB = %+v, %v", res, err)
	}
}

// TestAppendBatchRejects checks that one bad record refuses the whole
// batch before anything is written, leaving the records as they were.
func TestAppendBatchRejects(t *testing.T) {
	db := newTestDB(t, 1)
	c := &clock{}
	recs := []Record{testRecord(t, 1, c), testRecord(t, 2, c), testRecord(t, 3, c)}
	recs[2].Data = `{"b":1, "a":2}`
	orig := slices.Clone(recs)
	err := db.write.Transaction(func(tx *gorm.DB) error { return AppendBatch(tx, recs) })
	if err == nil {
		t.Fatal("AppendBatch accepted data that is not canonical")
	}
	if !slices.Equal(recs, orig) {
		t.Fatalf("records changed on error: %+v", recs)
	}
	if seq, _, err := Head(db.write); err != nil || seq != 0 {
		t.Fatalf("head = %d (%v), want 0", seq, err)
	}
	if got := readAll(t, db.write); len(got) != 0 {
		t.Fatalf("log holds %d records, want none", len(got))
	}
}
