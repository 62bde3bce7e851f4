package audit

import "fmt"

// Result is the outcome of verifying a chain. When the chain is intact, OK
// is true, Records is the number of records, HeadSeq and HeadHash are those
// of the last record (0 and ZeroHash for an empty log) and FirstBadSeq is 0.
// When it is broken, Records, HeadSeq and HeadHash describe the intact
// prefix, FirstBadSeq is the first seq that does not verify and Reason says
// why.
type Result struct {
	OK          bool   `json:"ok"`
	Records     int64  `json:"records"`
	HeadSeq     int64  `json:"head_seq"`
	HeadHash    string `json:"head_hash"`
	FirstBadSeq int64  `json:"first_bad_seq"`
	Reason      string `json:"reason,omitempty"`
}

// Verifier checks a chain fed to it record by record in seq order, in
// constant memory. The zero value is not ready for use; call NewVerifier.
type Verifier struct {
	res Result
}

// NewVerifier returns a Verifier expecting seq 1 with prev_hash ZeroHash.
func NewVerifier() *Verifier {
	return &Verifier{res: Result{OK: true, HeadHash: ZeroHash}}
}

// Add checks the next record of the chain and reports whether the chain is
// still intact. It checks, in this order, that r.Seq is the previous seq + 1
// (1 for the first record), that r.PrevHash is the previous record's hash
// (ZeroHash for seq 1), that r.Data is canonical JCS text of an object, and
// that r.Hash equals ComputeHash(r). The first failure breaks the chain at
// the seq expected at that position (a missing or reordered record shows as
// the seq that should have come next); later calls change nothing and
// return false.
func (v *Verifier) Add(r Record) bool {
	if !v.res.OK {
		return false
	}
	if reason := v.check(r); reason != "" {
		v.res.OK = false
		v.res.FirstBadSeq = v.res.HeadSeq + 1
		v.res.Reason = reason
		return false
	}
	v.res.Records++
	v.res.HeadSeq = r.Seq
	v.res.HeadHash = r.Hash
	return true
}

func (v *Verifier) check(r Record) string {
	want := v.res.HeadSeq + 1
	if r.Seq != want {
		return fmt.Sprintf("seq %d: found seq %d at this position (a record is missing, duplicated or out of order)", want, r.Seq)
	}
	if r.PrevHash != v.res.HeadHash {
		return fmt.Sprintf("seq %d: prev_hash %q does not match the previous record's hash %q", r.Seq, r.PrevHash, v.res.HeadHash)
	}
	canon, err := CanonicalData([]byte(r.Data))
	if err != nil {
		return fmt.Sprintf("seq %d: %v", r.Seq, err)
	}
	if canon != r.Data {
		return fmt.Sprintf("seq %d: data is not in canonical (JCS) form", r.Seq)
	}
	h, err := hashWith(&r, canon)
	if err != nil {
		return fmt.Sprintf("seq %d: %v", r.Seq, err)
	}
	if h != r.Hash {
		return fmt.Sprintf("seq %d: hash %q does not match the record's contents (recomputed %q)", r.Seq, r.Hash, h)
	}
	return ""
}

// Result returns the outcome so far. Records is the number of records that
// verified; a chain fed no records is OK with HeadSeq 0 and HeadHash
// ZeroHash.
func (v *Verifier) Result() Result {
	return v.res
}
