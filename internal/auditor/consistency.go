package auditor

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// maxListedCases bounds the case ids a Consistency lists.
const maxListedCases = 100

// Consistency is the comparison of the cases table with the chain. A case
// matches when its state and proceedings are the to_state and
// to_proceedings of its last record and its version is the number of its
// records (every change of a case appends exactly one record and adds one
// to its version, internal/case). CaseIDs lists the first mismatching
// cases by id (never a name or reference); Mismatched counts them all.
type Consistency struct {
	Cases      int64    `json:"cases"`
	Mismatched int64    `json:"mismatched"`
	CaseIDs    []string `json:"case_ids"`
}

// OK reports whether every case matches its records.
func (c Consistency) OK() bool { return c.Mismatched == 0 }

// CheckConsistency replays each case's records (their last to_state and
// to_proceedings and their count) against the cases table, in one
// statement, so that it reads one consistent snapshot while the server
// runs. A case with no record, or records of a case that does not exist,
// mismatch too. It uses the index on audit_log(case_id, seq).
func CheckConsistency(ctx context.Context, db *gorm.DB) (Consistency, error) {
	q := db.Session(&gorm.Session{NewDB: true, Context: ctx})
	var out Consistency
	if err := q.Raw("SELECT COUNT(*) FROM cases").Scan(&out.Cases).Error; err != nil {
		return Consistency{}, fmt.Errorf("auditor: consistency: count cases: %w", err)
	}
	const bad = `
SELECT id FROM (
  SELECT c.id AS id FROM cases c
  LEFT JOIN (SELECT case_id, COUNT(*) AS n, MAX(seq) AS last FROM audit_log WHERE case_id <> '' GROUP BY case_id) a
    ON a.case_id = c.id
  LEFT JOIN audit_log l ON l.seq = a.last
  WHERE a.n IS NULL OR c.version <> a.n OR c.state <> l.to_state OR c.proceedings <> l.to_proceedings
  UNION
  SELECT DISTINCT r.case_id AS id FROM audit_log r
  WHERE r.case_id <> '' AND NOT EXISTS (SELECT 1 FROM cases c2 WHERE c2.id = r.case_id)
) m ORDER BY id`
	rows, err := q.Raw(bad).Rows()
	if err != nil {
		return Consistency{}, fmt.Errorf("auditor: consistency: %w", err)
	}
	defer rows.Close()
	out.CaseIDs = []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return Consistency{}, fmt.Errorf("auditor: consistency: %w", err)
		}
		out.Mismatched++
		if len(out.CaseIDs) < maxListedCases {
			out.CaseIDs = append(out.CaseIDs, id)
		}
	}
	if err := rows.Err(); err != nil {
		return Consistency{}, fmt.Errorf("auditor: consistency: %w", err)
	}
	return out, nil
}
