package audit

import (
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// batchRows is the number of records per INSERT statement: 18 columns
// each, well under SQLite's limit of 32766 parameters per statement.
const batchRows = 1000

// AppendBatch adds recs to the chain inside tx, the caller's transaction,
// in order, with the result Append would give called for each in turn:
// recs[i].Seq follows the head, each PrevHash is the hash before it and
// audit_head ends at the last one. It reads and locks audit_head once,
// inserts many rows per statement and moves the head once, so a bulk
// writer (the seeder) uses the chain code of every other writer at the
// cost of a few statements. The caller sets every other field, as for
// Append. On error recs are unchanged and the caller must roll tx back.
func AppendBatch(tx *gorm.DB, recs []Record) error {
	if tx == nil {
		return errors.New("audit: append: nil transaction")
	}
	if len(recs) == 0 {
		return nil
	}
	out := make([]Record, len(recs))
	canon := make([]string, len(recs))
	for i, r := range recs {
		if r.Data == "" {
			r.Data = "{}"
		}
		c, err := CanonicalData([]byte(r.Data))
		if err != nil {
			return fmt.Errorf("audit: append %s: %w", r.Event, err)
		}
		if c != r.Data {
			return fmt.Errorf("audit: append %s: data %q is not canonical; build it with DataOf or CanonicalData", r.Event, r.Data)
		}
		if err := validateForAppend(r); err != nil {
			return fmt.Errorf("audit: append %s: %w", r.Event, err)
		}
		out[i], canon[i] = r, c
	}
	first := out[0].Event
	ctx := tx.Statement.Context
	// The head read, the insert and the head update are written by hand:
	// they run in every change on the one writer, where GORM's statement
	// building and reflection were most of their cost (docs/performance.md
	// "Issue 18").
	db := fresh(ctx, tx)
	lock := ""
	if db.Dialector.Name() == "postgres" {
		lock = " FOR UPDATE"
	}
	var h headRow
	if err := db.Raw("SELECT seq, hash FROM audit_head WHERE id = 1"+lock).Row().Scan(&h.Seq, &h.Hash); err != nil {
		return fmt.Errorf("audit: append %s: read audit_head: %w", first, err)
	}
	seq, prev := h.Seq, h.Hash
	var err error
	for i := range out {
		seq++
		out[i].Seq, out[i].PrevHash = seq, prev
		if out[i].Hash, err = hashWith(&out[i], canon[i]); err != nil {
			return fmt.Errorf("audit: append %s: %w", out[i].Event, err)
		}
		prev = out[i].Hash
	}
	if err := insertRecords(db, out); err != nil {
		return fmt.Errorf("audit: append %s: insert seq %d to %d: %w", first, h.Seq+1, seq, err)
	}
	res := db.Exec("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ?", seq, prev, h.Seq)
	if res.Error != nil {
		return fmt.Errorf("audit: append %s: update audit_head: %w", first, res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("audit: append %s: audit_head moved from seq %d during the append; is the transaction serialized?", first, h.Seq)
	}
	copy(recs, out)
	return nil
}

// insertRecords inserts recs with multi-row INSERTs of at most batchRows
// rows, the columns in Fields() order.
func insertRecords(db *gorm.DB, recs []Record) error {
	head := "INSERT INTO audit_log (" + strings.Join(Fields(), ", ") + ") VALUES "
	const one = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	var q strings.Builder
	for start := 0; start < len(recs); start += batchRows {
		part := recs[start:min(start+batchRows, len(recs))]
		q.Reset()
		q.WriteString(head)
		args := make([]any, 0, 18*len(part))
		for i := range part {
			r := &part[i]
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(one)
			args = append(args, r.Seq, r.RecordedAt, r.OccurredOn, r.CaseID, r.CaseRef, r.Shelter,
				r.Actor, r.ActorRole, r.Event, r.FromState, r.ToState,
				r.FromProceedings, r.ToProceedings, r.Data, r.NoteDigest,
				r.RulesVersion, r.PrevHash, r.Hash)
		}
		if err := db.Exec(q.String(), args...).Error; err != nil {
			return err
		}
	}
	return nil
}
