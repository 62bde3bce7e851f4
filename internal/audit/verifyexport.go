package audit

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
)

// NewVerifierFrom returns a Verifier for a segment of the chain whose
// first record has seq firstSeq and prev_hash prevHash: the segment's own
// links and hashes are checked, but whether prevHash really is the hash of
// seq firstSeq-1 cannot be (compare it with an earlier export or a
// checkpoint). NewVerifierFrom(1, ZeroHash) is NewVerifier(). Until a
// record is added, Result().HeadSeq is firstSeq-1 and HeadHash prevHash.
func NewVerifierFrom(firstSeq int64, prevHash string) *Verifier {
	if firstSeq < 1 {
		return &Verifier{res: Result{FirstBadSeq: 1, Reason: fmt.Sprintf("a segment cannot start at seq %d", firstSeq), HeadHash: ZeroHash}}
	}
	return &Verifier{res: Result{OK: true, HeadSeq: firstSeq - 1, HeadHash: prevHash}}
}

// CheckRecord checks one record on its own: prev_hash is 64 lowercase hex
// characters, data is canonical JCS text of an object, and hash is the
// hash recomputed from the fields. It says nothing about the record's
// place in the chain.
func CheckRecord(r Record) error {
	canon, err := CanonicalData([]byte(r.Data))
	if err != nil {
		return fmt.Errorf("seq %d: %w", r.Seq, err)
	}
	if canon != r.Data {
		return fmt.Errorf("seq %d: data is not in canonical (JCS) form", r.Seq)
	}
	h, err := hashWith(&r, canon)
	if err != nil {
		return fmt.Errorf("seq %d: %w", r.Seq, err)
	}
	if h != r.Hash {
		return fmt.Errorf("seq %d: hash %q does not match the record's contents (recomputed %q)", r.Seq, r.Hash, h)
	}
	return nil
}

// ExportCheck says how VerifyExport checks a file.
type ExportCheck struct {
	// Filtered says the export was filtered by shelter or case, so its
	// records are not a contiguous run of the chain: each record is
	// checked on its own (CheckRecord), seqs must increase, and adjacent
	// seqs must link; a missing record cannot be detected.
	Filtered bool
	// PublicKey and Checkpoints, when Checkpoints is not nil, are compared
	// with the file: a well-signed checkpoint whose seq is in the file
	// must carry that record's hash, and one signed before the file's
	// last record was written but beyond its last seq shows truncation.
	PublicKey   ed25519.PublicKey
	Checkpoints []Checkpoint
	// Manifest, when set, is the export's signed manifest: its signature
	// must verify (under PublicKey when set, else under the key it names)
	// and the file must hold exactly the rows it lists, so a file cut
	// short fails even though the chain inside it verifies.
	Manifest *Manifest
}

// ExportResult is the outcome of VerifyExport. The embedded Result is the
// chain's (for a filtered export, HeadSeq and HeadHash are those of the
// last record); FirstSeq and PrevHash are those of the file's first
// record; Segment says the file starts after seq 1.
type ExportResult struct {
	Result
	Format      Format            `json:"format"`
	FirstSeq    int64             `json:"first_seq"`
	PrevHash    string            `json:"prev_hash"`
	Segment     bool              `json:"segment"`
	Filtered    bool              `json:"filtered"`
	Checkpoints *CheckpointReport `json:"checkpoints,omitempty"`
	// Manifest says the file matched its signed manifest.
	Manifest bool `json:"manifest"`
}

// VerifyExport verifies an export file in format f read from r, without
// the database, in constant memory. A file that starts at seq 1 must be
// the chain from its first record (prev_hash the zero hash); one that
// starts later is verified as a segment (NewVerifierFrom). The first
// record that is malformed, out of place, relinked or altered gives
// FirstBadSeq: the seq expected at that position. The error is for
// failures to read r, never for a bad file.
func VerifyExport(r io.Reader, f Format, c ExportCheck) (ExportResult, error) {
	out := ExportResult{Format: f, Filtered: c.Filtered}
	var (
		v        *Verifier
		started  bool
		last     Record
		valid    []Checkpoint
		reports  CheckpointReport
		bySeq    map[int64][]Checkpoint
		checking = c.Checkpoints != nil
	)
	if checking {
		reports, valid = validCheckpoints(c.PublicKey, c.Checkpoints, false)
		bySeq = make(map[int64][]Checkpoint, len(valid))
		for _, cp := range valid {
			bySeq[cp.Seq] = append(bySeq[cp.Seq], cp)
		}
	}
	filteredRes := Result{OK: true, HeadHash: ZeroHash}
	held := NewManifestBuilder(Manifest{})
	fail := func(seq int64, reason string) error {
		if v != nil {
			out.Result = v.Result()
		} else {
			out.Result = filteredRes
		}
		out.OK, out.FirstBadSeq, out.Reason = false, seq, reason
		return errStop
	}
	err := ReadExport(r, f, func(rec Record) error {
		if !started {
			started = true
			out.FirstSeq, out.PrevHash = rec.Seq, rec.PrevHash
			out.Segment = rec.Seq != 1
			if !c.Filtered {
				v = NewVerifierFrom(rec.Seq, rec.PrevHash)
				if rec.Seq == 1 {
					v = NewVerifier()
				}
			}
		}
		if c.Filtered {
			if filteredRes.Records > 0 && rec.Seq <= last.Seq {
				return fail(rec.Seq, fmt.Sprintf("seq %d follows seq %d: records are out of order or duplicated", rec.Seq, last.Seq))
			}
			if err := CheckRecord(rec); err != nil {
				return fail(rec.Seq, err.Error())
			}
			if filteredRes.Records > 0 && rec.Seq == last.Seq+1 && rec.PrevHash != last.Hash {
				return fail(rec.Seq, fmt.Sprintf("seq %d: prev_hash %q does not match the hash of seq %d", rec.Seq, rec.PrevHash, last.Seq))
			}
			filteredRes.Records++
			filteredRes.HeadSeq, filteredRes.HeadHash = rec.Seq, rec.Hash
		} else if !v.Add(rec) {
			res := v.Result()
			reason := res.Reason
			if rec.Seq != res.HeadSeq+1 && CheckRecord(rec) == nil {
				reason += "; the record at this position (seq " + fmt.Sprint(rec.Seq) + ") is itself intact: " +
					"if the export was filtered by shelter or case, verify it as a filtered export"
			}
			return fail(res.FirstBadSeq, reason)
		}
		last = rec
		held.Add(rec)
		for _, cp := range bySeq[rec.Seq] {
			if cp.Hash != rec.Hash {
				reports.add(cp, ProblemRewritten, fmt.Sprintf("rewritten: the record at seq %d has hash %s, but the checkpoint signed at %s holds %s", rec.Seq, rec.Hash, cp.SignedAt, cp.Hash))
			} else {
				reports.Confirmed++
			}
		}
		return nil
	})
	var re *ReadError
	switch {
	case errors.Is(err, errStop):
	case errors.As(err, &re):
		next := last.Seq + 1
		if !started {
			next = 1
		}
		fail(next, "the file is damaged at "+re.Error())
	case err != nil:
		return ExportResult{}, fmt.Errorf("audit: verify export: %w", err)
	case v != nil:
		out.Result = v.Result()
	case c.Filtered:
		out.Result = filteredRes
	default:
		out.Result = Result{OK: true, HeadHash: ZeroHash} // no records
	}
	if checking {
		if out.OK && !c.Filtered && last.Seq > 0 {
			lastAt, _ := time.Parse(timeLayout, last.RecordedAt)
			for _, cp := range valid {
				signed, err := time.Parse(timeLayout, cp.SignedAt)
				if err == nil && cp.Seq > last.Seq && !signed.After(lastAt) {
					reports.add(cp, ProblemTruncated, fmt.Sprintf("truncated: the file ends at seq %d (written %s), but a checkpoint signed earlier, at %s, vouches for seq %d", last.Seq, last.RecordedAt, cp.SignedAt, cp.Seq))
				}
			}
		}
		out.Checkpoints = &reports
		out.Result = ApplyCheckpoints(out.Result, reports)
	}
	if c.Manifest != nil && out.OK {
		got := held.m
		got.RowsDigest = hex.EncodeToString(held.rows.Sum(nil))
		if err := c.Manifest.Verify(c.PublicKey); err != nil {
			out.OK, out.FirstBadSeq, out.Reason = false, 0, err.Error()
		} else if diff := c.Manifest.compare(got); diff != "" {
			bad := last.Seq + 1
			if got.FirstSeq != c.Manifest.FirstSeq {
				bad = min(max(c.Manifest.FirstSeq, 1), max(got.FirstSeq, 1))
			}
			out.OK, out.FirstBadSeq, out.Reason = false, bad, diff
		} else {
			out.Manifest = true
		}
	}
	return out, nil
}
