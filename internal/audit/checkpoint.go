package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// checkpointTag and checkpointTagV2 are the first line of a checkpoint
// message; a new message layout gets a new tag. v1 messages (number 0) are
// those signed before checkpoints were chained; they still verify.
const (
	checkpointTag   = "casemgr-checkpoint-v1"
	checkpointTagV2 = "casemgr-checkpoint-v2"
)

// Checkpoint is a signed statement that the chain's head was Seq with
// Hash at SignedAt. Number is the checkpoint's own place in the chain of
// checkpoints (1, 2, 3, …; 0 for a v1 checkpoint, signed before they were
// chained) and Prev the Digest of the checkpoint before it (ZeroHash for
// the first), so a deleted checkpoint breaks that chain. Signature is
// standard base64 of the Ed25519 signature of Message; KeyID names the
// public key (KeyID).
type Checkpoint struct {
	ID        int64  `gorm:"column:id;primaryKey" json:"-"`
	Number    int64  `gorm:"column:number" json:"number"`
	Prev      string `gorm:"column:prev_checkpoint" json:"prev_checkpoint"`
	Seq       int64  `gorm:"column:seq" json:"seq"`
	Hash      string `gorm:"column:hash" json:"hash"`
	SignedAt  string `gorm:"column:signed_at" json:"signed_at"`
	Signature string `gorm:"column:signature" json:"signature"`
	KeyID     string `gorm:"column:key_id" json:"key_id"`
}

// TableName returns audit_checkpoints.
func (Checkpoint) TableName() string { return "audit_checkpoints" }

// CheckpointMessage returns the bytes a checkpoint signs:
// "casemgr-checkpoint-v1\n<seq>\n<hash>\n<signed_at>", with seq in
// decimal, hash as 64 lowercase hex characters and signed_at as FormatTime
// writes it (RFC 3339, UTC, six fractional digits). No trailing newline.
func CheckpointMessage(seq int64, hash, signedAt string) []byte {
	return []byte(checkpointTag + "\n" + strconv.FormatInt(seq, 10) + "\n" + hash + "\n" + signedAt)
}

// CheckpointMessageV2 returns the bytes a chained checkpoint signs:
// "casemgr-checkpoint-v2\n<number>\n<prev_checkpoint>\n<seq>\n<hash>\n<signed_at>",
// number and seq in decimal, prev_checkpoint and hash as 64 lowercase hex
// characters. No trailing newline.
func CheckpointMessageV2(number int64, prev string, seq int64, hash, signedAt string) []byte {
	return []byte(checkpointTagV2 + "\n" + strconv.FormatInt(number, 10) + "\n" + prev + "\n" +
		strconv.FormatInt(seq, 10) + "\n" + hash + "\n" + signedAt)
}

// Message returns the bytes c's signature covers: CheckpointMessageV2 for
// a chained checkpoint (Number > 0), CheckpointMessage for a v1 one.
func (c Checkpoint) Message() []byte {
	if c.Number > 0 {
		return CheckpointMessageV2(c.Number, c.Prev, c.Seq, c.Hash, c.SignedAt)
	}
	return CheckpointMessage(c.Seq, c.Hash, c.SignedAt)
}

// Digest returns the hash that the next checkpoint carries as its
// prev_checkpoint: lowercase hex SHA-256 of Message().
func (c Checkpoint) Digest() string {
	sum := sha256.Sum256(c.Message())
	return hex.EncodeToString(sum[:])
}

// KeyID returns the id of an Ed25519 public key: the first 16 lowercase
// hex characters of the SHA-256 of its 32 bytes.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// EncodePublicKey returns pub as standard base64, as the API shows it.
func EncodePublicKey(pub ed25519.PublicKey) string {
	return base64.StdEncoding.EncodeToString(pub)
}

// DecodePublicKey parses a public key written by EncodePublicKey.
func DecodePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("audit: public key: want standard base64 of %d bytes", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// Signer signs checkpoints with an Ed25519 private key.
type Signer struct {
	priv ed25519.PrivateKey
	id   string
}

// NewSigner returns a Signer for the private key derived from seed (32
// bytes, ed25519.SeedSize).
func NewSigner(seed []byte) (*Signer, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("audit: checkpoint key: got %d bytes, want an Ed25519 seed of %d", len(seed), ed25519.SeedSize)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	return &Signer{priv: priv, id: KeyID(priv.Public().(ed25519.PublicKey))}, nil
}

// PublicKey returns the public key that verifies the Signer's checkpoints.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.priv.Public().(ed25519.PublicKey) }

// KeyID returns KeyID of the Signer's public key.
func (s *Signer) KeyID() string { return s.id }

// Sign returns the checkpoint of head seq and hash at time at that follows
// prev, the last stored checkpoint (nil when there is none): its number is
// prev's + 1 and its prev_checkpoint prev's Digest (1 and ZeroHash after
// none, or after a v1 checkpoint: number 1 and that one's digest).
func (s *Signer) Sign(prev *Checkpoint, seq int64, hash string, at time.Time) (Checkpoint, error) {
	if seq < 0 || !isHash(hash) {
		return Checkpoint{}, fmt.Errorf("audit: checkpoint: seq %d, hash %q: want seq >= 0 and 64 lowercase hex characters", seq, hash)
	}
	c := Checkpoint{Number: 1, Prev: ZeroHash, Seq: seq, Hash: hash, SignedAt: FormatTime(at), KeyID: s.id}
	if prev != nil {
		c.Number, c.Prev = prev.Number+1, prev.Digest()
	}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(s.priv, c.Message()))
	return c, nil
}

// Verify checks that c was signed by the key pub: the key id must be
// pub's, and the signature valid over CheckpointMessage.
func (c Checkpoint) Verify(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return errors.New("no checkpoint public key to check the signature with")
	}
	if id := KeyID(pub); c.KeyID != id {
		return fmt.Errorf("signed by key %q, not by the checkpoint key %q", c.KeyID, id)
	}
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errors.New("the signature is not standard base64 of 64 bytes")
	}
	if !ed25519.Verify(pub, c.Message(), sig) {
		return errors.New("the signature does not match the number, prev_checkpoint, seq, hash and signed_at")
	}
	return nil
}

// SaveCheckpoint stores c in audit_checkpoints inside tx and sets c.ID.
func SaveCheckpoint(tx *gorm.DB, c *Checkpoint) error {
	c.ID = 0
	if err := fresh(tx.Statement.Context, tx).Create(c).Error; err != nil {
		return fmt.Errorf("audit: save checkpoint of seq %d: %w", c.Seq, err)
	}
	return nil
}

// LockHead locks the audit_head row inside tx (SELECT … FOR UPDATE where
// the engine supports it), so that checkpoints signed by several servers
// at once are numbered one after the other, as appends are.
func LockHead(tx *gorm.DB) error {
	var h headRow
	err := fresh(tx.Statement.Context, tx).
		Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
		Where("id = ?", 1).Take(&h).Error
	if err != nil {
		return fmt.Errorf("audit: lock audit_head: %w", err)
	}
	return nil
}

// Checkpoints returns every stored checkpoint, oldest first, or an empty
// slice.
func Checkpoints(ctx context.Context, db *gorm.DB) ([]Checkpoint, error) {
	cps := []Checkpoint{}
	if err := fresh(ctx, db).Order("id").Find(&cps).Error; err != nil {
		return nil, fmt.Errorf("audit: read checkpoints: %w", err)
	}
	return cps, nil
}

// LatestCheckpoint returns the last stored checkpoint; ok is false when
// there is none.
func LatestCheckpoint(ctx context.Context, db *gorm.DB) (c Checkpoint, ok bool, err error) {
	res := fresh(ctx, db).Order("id DESC").Limit(1).Find(&c)
	if res.Error != nil {
		return Checkpoint{}, false, fmt.Errorf("audit: read last checkpoint: %w", res.Error)
	}
	return c, res.RowsAffected == 1, nil
}

// The kinds of CheckpointProblem.
const (
	// ProblemSignature: the checkpoint's signature does not verify under
	// the checkpoint key (or there is no key to check it with).
	ProblemSignature = "invalid_signature"
	// ProblemTruncated: the chain ends before a seq that a checkpoint
	// vouched for.
	ProblemTruncated = "truncated"
	// ProblemRewritten: the record at a checkpoint's seq has another hash
	// than the one signed.
	ProblemRewritten = "rewritten"
	// ProblemChain: a checkpoint does not follow the one before it (its
	// number is not the previous + 1, its prev_checkpoint is not the
	// previous one's digest, or it vouches for an earlier seq): a
	// checkpoint row was deleted, altered or reordered.
	ProblemChain = "checkpoint_chain"
	// ProblemMissing: a checkpoint kept in a witness file is not among the
	// stored checkpoints: checkpoint rows were deleted (or the table
	// replaced).
	ProblemMissing = "checkpoint_missing"
)

// CheckpointProblem is one checkpoint that the chain contradicts, or
// whose signature does not verify.
type CheckpointProblem struct {
	Seq      int64  `json:"seq"`
	SignedAt string `json:"signed_at"`
	Kind     string `json:"kind"`
	Detail   string `json:"detail"`
}

// CheckpointReport is the outcome of comparing a chain with checkpoints.
// Total counts the checkpoints read, Confirmed those whose seq and hash
// the chain holds; a checkpoint beyond what was checked (a chain broken
// earlier, or an export that ends before it) is neither confirmed nor a
// problem.
type CheckpointReport struct {
	KeyID     string `json:"key_id"`
	Total     int    `json:"total"`
	Confirmed int    `json:"confirmed"`
	// Witnessed counts the checkpoints of witness files (kept outside the
	// database) that were compared too; absent when none was given.
	Witnessed int                 `json:"witnessed,omitempty"`
	Problems  []CheckpointProblem `json:"problems"`
}

// OK reports whether no checkpoint is contradicted or badly signed.
func (r CheckpointReport) OK() bool { return len(r.Problems) == 0 }

func (r *CheckpointReport) add(c Checkpoint, kind, detail string) {
	r.Problems = append(r.Problems, CheckpointProblem{Seq: c.Seq, SignedAt: c.SignedAt, Kind: kind, Detail: detail})
}

// validCheckpoints starts a report on cps, records each badly signed one
// as a problem, checks that each chained checkpoint follows the one before
// it in cps (checkChain; complete says cps is every stored checkpoint, so
// the first chained one must be number 1), and returns the well-signed
// ones.
func validCheckpoints(pub ed25519.PublicKey, cps []Checkpoint, complete bool) (CheckpointReport, []Checkpoint) {
	rep := CheckpointReport{Total: len(cps), Problems: []CheckpointProblem{}}
	if len(pub) == ed25519.PublicKeySize {
		rep.KeyID = KeyID(pub)
	}
	var ok []Checkpoint
	for _, c := range cps {
		if err := c.Verify(pub); err != nil {
			rep.add(c, ProblemSignature, fmt.Sprintf("checkpoint of seq %d signed at %s: %v", c.Seq, c.SignedAt, err))
			continue
		}
		ok = append(ok, c)
	}
	checkChain(&rep, cps, complete)
	return rep, ok
}

// checkChain reports each checkpoint of cps (oldest first) that does not
// follow the one before it. v1 checkpoints (number 0) carry no link; one
// after a chained checkpoint is itself a break. When complete is false,
// the first checkpoint of cps is taken as it is (a witness file may hold
// only the latest).
func checkChain(rep *CheckpointReport, cps []Checkpoint, complete bool) {
	for i, c := range cps {
		var prev *Checkpoint
		if i > 0 {
			prev = &cps[i-1]
		}
		if c.Number == 0 {
			if prev != nil && prev.Number > 0 {
				rep.add(c, ProblemChain, fmt.Sprintf("checkpoint of seq %d signed at %s is unnumbered (v1) but follows numbered checkpoint %d", c.Seq, c.SignedAt, prev.Number))
			}
			continue
		}
		if prev == nil && !complete {
			continue
		}
		wantN, wantPrev := int64(1), ZeroHash
		if prev != nil {
			wantN, wantPrev = prev.Number+1, prev.Digest()
		}
		switch {
		case c.Number != wantN:
			rep.add(c, ProblemChain, fmt.Sprintf("checkpoint %d (seq %d, signed at %s) follows checkpoint %d: %d checkpoint(s) before it were deleted or reordered", c.Number, c.Seq, c.SignedAt, wantN-1, c.Number-wantN))
		case c.Prev != wantPrev:
			rep.add(c, ProblemChain, fmt.Sprintf("checkpoint %d (seq %d, signed at %s) does not link to the checkpoint before it: prev_checkpoint %s, want %s", c.Number, c.Seq, c.SignedAt, c.Prev, wantPrev))
		case prev != nil && c.Seq < prev.Seq:
			rep.add(c, ProblemChain, fmt.Sprintf("checkpoint %d vouches for seq %d, before seq %d of the checkpoint before it", c.Number, c.Seq, prev.Seq))
		}
	}
}

// CheckCheckpoints compares the checkpoints cps with the chain stored in
// db, whose verification (VerifyDB) gave res, and with the public key pub
// (nil when there is none: every checkpoint is then reported). A
// well-signed checkpoint beyond the end of an intact chain reports
// truncation; one whose seq the verified chain holds with another hash
// reports a rewrite. Checkpoints past a broken chain's first bad seq are
// not compared. The error is for failures to read.
func CheckCheckpoints(ctx context.Context, db *gorm.DB, res Result, pub ed25519.PublicKey, cps []Checkpoint) (CheckpointReport, error) {
	rep, valid := validCheckpoints(pub, cps, true)
	for _, c := range valid {
		if err := compareWithChain(ctx, db, res, c, &rep); err != nil {
			return CheckpointReport{}, err
		}
	}
	return rep, nil
}

// Witness is a checkpoint file kept outside the database (a witness file
// written by `casemgr audit checkpoint --out`, or the document of
// GET /api/v1/audit/checkpoints[/latest]): the public key it was fetched
// with and its checkpoints. Name labels it in problems.
type Witness struct {
	Name      string
	PublicKey ed25519.PublicKey
	Items     []Checkpoint
}

// CheckWitnesses adds to rep (the report of CheckCheckpoints on stored,
// the stored checkpoints) the comparison with witness files: each witness
// checkpoint must be signed under its file's key, which must be pub, the
// key of the stored checkpoints; the chain in db (verified as res) must
// reach its seq with its hash (else truncated or rewritten); and stored
// must still hold it (else checkpoint_missing: rows were deleted, perhaps
// along with the tail of the log they vouched for).
func CheckWitnesses(ctx context.Context, db *gorm.DB, res Result, pub ed25519.PublicKey, stored []Checkpoint, ws []Witness, rep *CheckpointReport) error {
	have := make(map[string]bool, len(stored))
	for _, c := range stored {
		have[c.Digest()+c.Signature] = true
	}
	for _, w := range ws {
		wrep, valid := validCheckpoints(w.PublicKey, w.Items, false)
		rep.Witnessed += len(w.Items)
		if len(pub) == ed25519.PublicKeySize && len(w.PublicKey) == ed25519.PublicKeySize && !pub.Equal(w.PublicKey) {
			wrep.Problems = append(wrep.Problems, CheckpointProblem{Kind: ProblemSignature,
				Detail: fmt.Sprintf("signed with key %s, but the checkpoint key is %s", KeyID(w.PublicKey), KeyID(pub))})
			valid = nil
		}
		for _, c := range valid {
			if err := compareWithChain(ctx, db, res, c, &wrep); err != nil {
				return err
			}
			if !have[c.Digest()+c.Signature] {
				wrep.add(c, ProblemMissing, fmt.Sprintf("checkpoint %d of seq %d signed at %s is not among the stored checkpoints: checkpoint rows were deleted", c.Number, c.Seq, c.SignedAt))
			}
		}
		for _, p := range wrep.Problems {
			p.Detail = "witness " + w.Name + ": " + p.Detail
			rep.Problems = append(rep.Problems, p)
		}
	}
	return nil
}

// compareWithChain compares one well-signed checkpoint with the chain in
// db, verified as res, and records the outcome in rep.
func compareWithChain(ctx context.Context, db *gorm.DB, res Result, c Checkpoint, rep *CheckpointReport) error {
	switch {
	case c.Seq > res.HeadSeq && res.OK:
		rep.add(c, ProblemTruncated, fmt.Sprintf("truncated: the chain ends at seq %d, but a checkpoint signed at %s vouches for seq %d", res.HeadSeq, c.SignedAt, c.Seq))
	case c.Seq > res.HeadSeq:
		// The chain is broken before this checkpoint: already reported.
	case c.Seq == 0:
		if c.Hash != ZeroHash {
			rep.add(c, ProblemRewritten, fmt.Sprintf("checkpoint of seq 0 signed at %s holds hash %s, want the zero hash", c.SignedAt, c.Hash))
		} else {
			rep.Confirmed++
		}
	default:
		var hash string
		if err := fresh(ctx, db).Model(&Record{}).Select("hash").Where("seq = ?", c.Seq).Scan(&hash).Error; err != nil {
			return fmt.Errorf("audit: check checkpoint of seq %d: %w", c.Seq, err)
		}
		if hash != c.Hash {
			rep.add(c, ProblemRewritten, fmt.Sprintf("rewritten: the record at seq %d has hash %s, but the checkpoint signed at %s holds %s", c.Seq, hash, c.SignedAt, c.Hash))
		} else {
			rep.Confirmed++
		}
	}
	return nil
}

// ApplyCheckpoints folds a checkpoint report into a chain result: an
// intact chain that a checkpoint contradicts, or that comes with a badly
// signed checkpoint, is not OK. FirstBadSeq is then the checkpoint's seq
// for a rewrite (the altered record is at or before it), the seq after
// the chain's end for a truncation, and 0 for a bad signature or a broken
// or incomplete checkpoint chain alone; Reason
// is the problem's detail. A result that is already broken is returned
// unchanged.
func ApplyCheckpoints(res Result, rep CheckpointReport) Result {
	if !res.OK || rep.OK() {
		return res
	}
	p := rep.Problems[0]
	for _, q := range rep.Problems {
		if q.Kind == ProblemRewritten || q.Kind == ProblemTruncated {
			p = q
			break
		}
	}
	res.OK, res.Reason = false, p.Detail
	switch p.Kind {
	case ProblemRewritten:
		res.FirstBadSeq = p.Seq
	case ProblemTruncated:
		res.FirstBadSeq = res.HeadSeq + 1
	default:
		res.FirstBadSeq = 0
	}
	return res
}

// CheckpointFile is the document of GET /api/v1/audit/checkpoints: the
// public key (standard base64) and the checkpoints, oldest first. A
// witness file (GET /api/v1/audit/checkpoints/latest, `casemgr audit
// checkpoint --out`) is the same document with the latest checkpoint
// only.
type CheckpointFile struct {
	PublicKey string       `json:"public_key"`
	KeyID     string       `json:"key_id"`
	Items     []Checkpoint `json:"items"`
}

// ReadCheckpointFile parses a CheckpointFile and decodes its public key.
func ReadCheckpointFile(r io.Reader) (ed25519.PublicKey, []Checkpoint, error) {
	var f CheckpointFile
	dec := json.NewDecoder(io.LimitReader(r, 64<<20))
	if err := dec.Decode(&f); err != nil {
		return nil, nil, fmt.Errorf("audit: checkpoint file: %w", err)
	}
	pub, err := DecodePublicKey(f.PublicKey)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: checkpoint file: %w", err)
	}
	return pub, f.Items, nil
}
