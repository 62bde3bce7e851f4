package auditor

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/vault"
)

// KeyFile is the name of the checkpoint signing key in the key directory:
// the standard base64 of a 32-byte Ed25519 seed, mode 0600, read and created
// by internal/vault like the server's other key files.
const KeyFile = "checkpoint.key"

// KeyPath returns the path of the checkpoint key.
func (s *Service) KeyPath() string { return filepath.Join(s.opts.KeyDir, KeyFile) }

// loadSigner returns the checkpoint signer, reading checkpoint.key or, when
// create is true and it does not exist, generating it. Without create, a
// missing key gives an error matching fs.ErrNotExist.
func (s *Service) loadSigner(create bool) (*audit.Signer, error) {
	if s.signer != nil {
		return s.signer, nil
	}
	path := s.KeyPath()
	var seed []byte
	var err error
	if create {
		seed, _, err = vault.LoadOrCreateKeyFile(path)
	} else {
		seed, err = vault.ReadKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("auditor: checkpoint key: %w", err)
	}
	sg, err := audit.NewSigner(seed)
	if err != nil {
		return nil, fmt.Errorf("auditor: %s: %w", path, err)
	}
	s.signer = sg
	return sg, nil
}

// Signer returns the checkpoint signer, generating checkpoint.key on first
// use (created then reports it).
func (s *Service) Signer() (sg *audit.Signer, created bool, err error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	_, statErr := os.Stat(s.KeyPath())
	sg, err = s.loadSigner(true)
	return sg, err == nil && errors.Is(statErr, fs.ErrNotExist), err
}

// Report is the outcome of verifying the stored chain and its checkpoints:
// the chain's Result (OK false also when a checkpoint contradicts the
// chain or is badly signed, or when the cases table disagrees with the
// chain; see audit.ApplyCheckpoints) and the checkpoint report.
type Report struct {
	audit.Result
	Checkpoints audit.CheckpointReport `json:"checkpoints"`
	// Consistency is the comparison of the cases table with the chain,
	// when it was asked for.
	Consistency *Consistency `json:"consistency,omitempty"`
}

// VerifyOptions add checks to VerifyWith.
type VerifyOptions struct {
	// Witnesses are checkpoint files kept outside the database: the chain
	// must reach and hold each of their checkpoints, and the stored
	// checkpoints must still include them (audit.CheckWitnesses).
	Witnesses []audit.Witness
	// Consistency compares every case's state, proceedings and version
	// with its records in the chain (CheckConsistency).
	Consistency bool
}

// Verify recomputes the chain (audit.VerifyDB) and compares it with every
// stored checkpoint, under the public key of checkpoint.key. It never
// creates the key: with checkpoints but no key file, each checkpoint is
// reported as unverifiable.
func (s *Service) Verify(ctx context.Context) (Report, error) {
	return s.VerifyWith(ctx, VerifyOptions{})
}

// VerifyWith is Verify with the witness files and the consistency check of
// o.
func (s *Service) VerifyWith(ctx context.Context, o VerifyOptions) (Report, error) {
	res, err := audit.VerifyDB(ctx, s.db.Read)
	if err != nil {
		return Report{}, err
	}
	cps, err := audit.Checkpoints(ctx, s.db.Read)
	if err != nil {
		return Report{}, err
	}
	var pub ed25519.PublicKey
	if len(cps) > 0 || len(o.Witnesses) > 0 {
		s.keyMu.Lock()
		sg, err := s.loadSigner(false)
		s.keyMu.Unlock()
		switch {
		case err == nil:
			pub = sg.PublicKey()
		case !errors.Is(err, fs.ErrNotExist):
			return Report{}, err
		}
	}
	rep, err := audit.CheckCheckpoints(ctx, s.db.Read, res, pub, cps)
	if err != nil {
		return Report{}, err
	}
	if err := audit.CheckWitnesses(ctx, s.db.Read, res, pub, cps, o.Witnesses, &rep); err != nil {
		return Report{}, err
	}
	out := Report{Result: audit.ApplyCheckpoints(res, rep), Checkpoints: rep}
	if o.Consistency {
		c, err := CheckConsistency(ctx, s.db.Read)
		if err != nil {
			return Report{}, err
		}
		out.Consistency = &c
		if out.OK && !c.OK() {
			out.OK, out.FirstBadSeq = false, 0
			out.Reason = fmt.Sprintf("the cases table disagrees with the chain for %d case(s): %s", c.Mismatched, strings.Join(c.CaseIDs, ", "))
		}
	}
	return out, nil
}

func mayCheckpoint(a auth.Actor) error {
	if !a.Is(auth.RoleAuditor, auth.RoleAdmin, auth.RoleSystem) {
		return apperr.Forbiddenf("only auditors and administrators sign checkpoints")
	}
	return nil
}

// Checkpoint verifies the chain and its checkpoints and, if all is well,
// signs the verified head now and stores the checkpoint. A chain that does
// not verify is never signed: that is a Conflict naming the first bad seq.
func (s *Service) Checkpoint(ctx context.Context, a auth.Actor) (audit.Checkpoint, error) {
	if err := mayCheckpoint(a); err != nil {
		return audit.Checkpoint{}, err
	}
	sg, _, err := s.Signer()
	if err != nil {
		return audit.Checkpoint{}, err
	}
	s.signMu.Lock()
	defer s.signMu.Unlock()
	rep, err := s.Verify(ctx)
	if err != nil {
		return audit.Checkpoint{}, err
	}
	if !rep.OK {
		return audit.Checkpoint{}, apperr.Conflictf("the audit chain does not verify (first bad seq %d: %s): no checkpoint was signed", rep.FirstBadSeq, rep.Reason)
	}
	var cp audit.Checkpoint
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := audit.LockHead(tx); err != nil {
			return err
		}
		last, ok, err := audit.LatestCheckpoint(ctx, tx)
		if err != nil {
			return err
		}
		var prev *audit.Checkpoint
		if ok {
			prev = &last
		}
		if cp, err = sg.Sign(prev, rep.HeadSeq, rep.HeadHash, s.opts.Now()); err != nil {
			return err
		}
		return audit.SaveCheckpoint(tx, &cp)
	})
	if err != nil {
		return audit.Checkpoint{}, err
	}
	return cp, nil
}

// Latest returns the witness document: the public key and the latest
// stored checkpoint (no items when there is none yet), for an auditor to
// keep outside the server and give to `casemgr audit verify --checkpoint`.
func (s *Service) Latest(ctx context.Context, a auth.Actor) (audit.CheckpointFile, error) {
	if err := mayCheckpoint(a); err != nil {
		return audit.CheckpointFile{}, err
	}
	sg, _, err := s.Signer()
	if err != nil {
		return audit.CheckpointFile{}, err
	}
	f := audit.CheckpointFile{PublicKey: audit.EncodePublicKey(sg.PublicKey()), KeyID: sg.KeyID(), Items: []audit.Checkpoint{}}
	last, ok, err := audit.LatestCheckpoint(ctx, s.db.Read)
	if err != nil {
		return audit.CheckpointFile{}, err
	}
	if ok {
		f.Items = append(f.Items, last)
	}
	return f, nil
}

// Checkpoints returns the public key and every checkpoint, oldest first:
// the document of GET /api/v1/audit/checkpoints, which a verifier can keep
// and use offline. The key is generated on first use.
func (s *Service) Checkpoints(ctx context.Context, a auth.Actor) (audit.CheckpointFile, error) {
	if err := mayCheckpoint(a); err != nil {
		return audit.CheckpointFile{}, err
	}
	sg, _, err := s.Signer()
	if err != nil {
		return audit.CheckpointFile{}, err
	}
	cps, err := audit.Checkpoints(ctx, s.db.Read)
	if err != nil {
		return audit.CheckpointFile{}, err
	}
	return audit.CheckpointFile{PublicKey: audit.EncodePublicKey(sg.PublicKey()), KeyID: sg.KeyID(), Items: cps}, nil
}

// DailyCheckpoint signs a checkpoint when the chain is not empty and none
// was signed today (UTC); made says whether it did.
func (s *Service) DailyCheckpoint(ctx context.Context) (cp audit.Checkpoint, made bool, err error) {
	last, ok, err := audit.LatestCheckpoint(ctx, s.db.Read)
	if err != nil {
		return audit.Checkpoint{}, false, err
	}
	today := s.opts.Now().UTC().Format(time.DateOnly)
	if ok && strings.HasPrefix(last.SignedAt, today) {
		return audit.Checkpoint{}, false, nil
	}
	seq, _, err := audit.Head(s.db.Read.WithContext(ctx))
	if err != nil {
		return audit.Checkpoint{}, false, err
	}
	if seq == 0 {
		return audit.Checkpoint{}, false, nil
	}
	cp, err = s.Checkpoint(ctx, auth.System)
	if err != nil {
		return audit.Checkpoint{}, false, err
	}
	return cp, true, nil
}

// RunDaily makes the daily checkpoint at start and then checks every
// interval (10 minutes when 0 or less) whether the day has changed, until
// ctx ends.
func (s *Service) RunDaily(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = 10 * time.Minute
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		cp, made, err := s.DailyCheckpoint(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			s.opts.Log.Error("daily audit checkpoint failed", slog.String("error", err.Error()))
		case made:
			s.opts.Log.Info("audit checkpoint signed", slog.Int64("seq", cp.Seq), slog.String("hash", cp.Hash),
				slog.String("key_id", cp.KeyID))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
