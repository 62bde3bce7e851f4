package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// headRow is the single row of audit_head: the seq and hash of the last
// appended record (0 and ZeroHash for an empty log).
type headRow struct {
	ID   int64  `gorm:"column:id;primaryKey"`
	Seq  int64  `gorm:"column:seq"`
	Hash string `gorm:"column:hash"`
}

// TableName returns audit_head.
func (headRow) TableName() string { return "audit_head" }

// errStop ends an Each walk early without being an error.
var errStop = errors.New("audit: stop")

// fresh returns a session on db's connection (or transaction) without any
// conditions the caller may have chained on it.
func fresh(ctx context.Context, db *gorm.DB) *gorm.DB {
	return db.Session(&gorm.Session{NewDB: true, Context: ctx})
}

// Append adds r to the chain inside tx, the caller's transaction, using only
// tx. It locks and reads audit_head (SELECT … FOR UPDATE where the engine
// supports it; on SQLite the IMMEDIATE transaction already serializes
// writers), sets r.Seq to the head's seq + 1, r.PrevHash to the head's hash
// and r.Hash to ComputeHash(r), inserts r and moves audit_head to it. The
// caller sets every other field, RecordedAt with FormatTime of its clock.
// Data must be canonical JCS text of an object (use DataOf or
// CanonicalData); "" is stored as "{}". On error r is unchanged and the
// caller must roll tx back. It is AppendBatch of one record: every writer
// of the chain goes through the same code.
func Append(tx *gorm.DB, r *Record) error {
	if tx == nil || r == nil {
		return errors.New("audit: append: nil transaction or record")
	}
	recs := []Record{*r}
	if err := AppendBatch(tx, recs); err != nil {
		return err
	}
	*r = recs[0]
	return nil
}

// Head returns the seq and hash of the last appended record as audit_head
// records them: 0 and ZeroHash for an empty log.
func Head(db *gorm.DB) (seq int64, hash string, err error) {
	var h headRow
	if err := fresh(db.Statement.Context, db).Where("id = ?", 1).Take(&h).Error; err != nil {
		return 0, "", fmt.Errorf("audit: read audit_head: %w", err)
	}
	return h.Seq, h.Hash, nil
}

// ForCase returns the records of one case, oldest first, or an empty slice.
// An empty caseID is an error: administrative records have no case.
func ForCase(db *gorm.DB, caseID string) ([]Record, error) {
	if caseID == "" {
		return nil, errors.New("audit: records for a case: case id is empty")
	}
	recs := []Record{}
	err := fresh(db.Statement.Context, db).
		Where("case_id = ?", caseID).
		Order("seq").
		Find(&recs).Error
	if err != nil {
		return nil, fmt.Errorf("audit: records for case %s: %w", caseID, err)
	}
	return recs, nil
}

// Each calls fn for every record in seq order, streaming rows so memory
// stays flat however long the log is. It stops at the first error fn
// returns and returns that error unchanged. The rows hold a connection
// while fn runs: fn must not use db when db is a one-connection pool.
func Each(ctx context.Context, db *gorm.DB, fn func(Record) error) error {
	return each(ctx, db, -1, fn)
}

// each is Each restricted to seq <= maxSeq when maxSeq >= 0.
func each(ctx context.Context, db *gorm.DB, maxSeq int64, fn func(Record) error) error {
	q := fresh(ctx, db).Model(&Record{}).Select(Fields())
	if maxSeq >= 0 {
		q = q.Where("seq <= ?", maxSeq)
	}
	rows, err := q.Order("seq").Rows()
	if err != nil {
		return fmt.Errorf("audit: read log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Record
		if err := rows.Scan(r.scanDest()...); err != nil {
			return fmt.Errorf("audit: read log: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit: read log: %w", err)
	}
	return nil
}

// VerifyDB recomputes the chain stored in db and checks audit_head against
// it. It reads audit_head first and verifies records 1..head seq, so
// records appended while it runs neither disturb nor join the check. Beyond
// the Verifier's checks it reports a truncated tail (the log ends before
// audit_head: FirstBadSeq is the last seq + 1), a head hash that differs
// from the last record's, and rows beyond audit_head that no Append wrote
// (FirstBadSeq is head seq + 1). The error is for failures to read, never
// for a broken chain.
func VerifyDB(ctx context.Context, db *gorm.DB) (Result, error) {
	headSeq, headHash, err := Head(fresh(ctx, db))
	if err != nil {
		return Result{}, fmt.Errorf("audit: verify: %w", err)
	}
	v := NewVerifier()
	err = each(ctx, db, headSeq, func(r Record) error {
		if !v.Add(r) {
			return errStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return Result{}, fmt.Errorf("audit: verify: %w", err)
	}
	res := v.Result()
	if !res.OK {
		return res, nil
	}
	if res.HeadSeq < headSeq {
		return broken(res, res.HeadSeq+1, fmt.Sprintf("truncated: the log ends at seq %d but audit_head records seq %d", res.HeadSeq, headSeq)), nil
	}
	if res.HeadHash != headHash {
		return broken(res, headSeq, fmt.Sprintf("seq %d: audit_head hash %q differs from the record's hash %q", headSeq, headHash, res.HeadHash)), nil
	}
	// Rows beyond the head: a legitimate append commits its row and the
	// head together, so if the head has not moved since the first read, any
	// such row was written behind Append's back.
	var maxSeq int64
	err = fresh(ctx, db).Model(&Record{}).Select("COALESCE(MAX(seq), 0)").Scan(&maxSeq).Error
	if err != nil {
		return Result{}, fmt.Errorf("audit: verify: read last seq: %w", err)
	}
	if maxSeq > headSeq {
		nowSeq, _, err := Head(fresh(ctx, db))
		if err != nil {
			return Result{}, fmt.Errorf("audit: verify: %w", err)
		}
		if nowSeq <= headSeq {
			return broken(res, headSeq+1, fmt.Sprintf("the log holds records up to seq %d beyond audit_head seq %d", maxSeq, nowSeq)), nil
		}
	}
	return res, nil
}

func broken(res Result, firstBad int64, reason string) Result {
	res.OK = false
	res.FirstBadSeq = firstBad
	res.Reason = reason
	return res
}

// AppendAct appends the record of an administrative act that concerns no
// single case (create_user, update_shelter, rotate_keys, export, …): no
// case, no event date, data canonicalized from m. shelter may be "". It
// returns the record's seq.
func AppendAct(tx *gorm.DB, now time.Time, actor, role, event, shelter, rulesVersion string, m map[string]any) (int64, error) {
	d, err := DataOf(m)
	if err != nil {
		return 0, fmt.Errorf("audit %s: data: %w", event, err)
	}
	r := Record{RecordedAt: FormatTime(now), Shelter: shelter, Actor: actor, ActorRole: role,
		Event: event, Data: d, RulesVersion: rulesVersion}
	if err := Append(tx, &r); err != nil {
		return 0, fmt.Errorf("audit %s: %w", event, err)
	}
	return r.Seq, nil
}

// CaseRecords selects the records that EachCaseRecord streams.
type CaseRecords struct {
	MaxSeq     int64  // only records with seq <= MaxSeq
	Shelter    string // only this shelter's records; "" for all
	OccurredTo string // only records with occurred_on <= OccurredTo (YYYY-MM-DD); "" for all
}

// EachCaseRecord calls fn for every record of a case selected by q, grouped
// by case (ordered by case_id, then seq), streaming rows so memory stays
// flat. It stops at the first error fn returns and returns it unchanged.
// The rows hold a connection while fn runs.
func EachCaseRecord(ctx context.Context, db *gorm.DB, q CaseRecords, fn func(Record) error) error {
	sel := fresh(ctx, db).Model(&Record{}).Select(Fields()).Where("case_id <> '' AND seq <= ?", q.MaxSeq)
	if q.Shelter != "" {
		sel = sel.Where("shelter = ?", q.Shelter)
	}
	if q.OccurredTo != "" {
		sel = sel.Where("occurred_on <= ?", q.OccurredTo)
	}
	rows, err := sel.Order("case_id").Order("seq").Rows()
	if err != nil {
		return fmt.Errorf("audit: read case records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Record
		if err := rows.Scan(r.scanDest()...); err != nil {
			return fmt.Errorf("audit: read case records: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit: read case records: %w", err)
	}
	return nil
}

// RecordAt returns the record with the given seq; ok is false when there
// is none.
func RecordAt(db *gorm.DB, seq int64) (r Record, ok bool, err error) {
	res := fresh(db.Statement.Context, db).Where("seq = ?", seq).Limit(1).Find(&r)
	if res.Error != nil {
		return Record{}, false, fmt.Errorf("audit: record %d: %w", seq, res.Error)
	}
	return r, res.RowsAffected == 1, nil
}
