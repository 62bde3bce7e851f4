package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/term"

	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auditor"
)

var cmdAudit = &Command{
	UsageLine: "audit",
	Short:     "the audit chain: verify, export, checkpoint",
	Long: `The audit log is a hash chain: each record holds the hash of the one before
it, and signed checkpoints (Ed25519, checkpoint.key in the key directory)
vouch for its head. docs/audit.md describes the formats for third parties.`,
	Commands: []*Command{cmdAuditVerify, cmdAuditExport, cmdAuditCheckpoint},
}

var cmdAuditVerify = &Command{
	UsageLine: "audit verify [--file EXPORT [--filtered] [--checkpoints FILE]]",
	Short:     "exit 0 if the audit chain (or an export file) is intact, 1 and the first bad seq if not",
	Long: `Audit verify recomputes the hash chain in the database and compares it with
every signed checkpoint. It exits 0 when all is intact, and 1 with the first
bad seq when a record was altered, removed or inserted, or a checkpoint
contradicts the chain.

With --file it verifies an export (.ndjson, .csv or .json) offline, without
the database; --checkpoints compares it with the checkpoints published by
GET /api/v1/audit/checkpoints. An export filtered by shelter or case is not
a contiguous chain: each record is then checked on its own.`,
	Flags: func(fs *flag.FlagSet) func(*invocation) error {
		file := fs.String("file", "", "verify this `EXPORT` file (.ndjson, .csv or .json) instead of the database")
		filtered := fs.Bool("filtered", false, "with --file: the export was filtered by shelter or case; check each record on its own (implied by the file names the server gives such exports)")
		checkpoints := fs.String("checkpoints", "", "with --file: compare with these checkpoints (the JSON `FILE` of GET /api/v1/audit/checkpoints)")
		return func(in *invocation) error { return in.auditVerify(*file, *filtered, *checkpoints) }
	},
}

// auditVerify verifies the chain in the database with its checkpoints, or
// an export file without the database.
func (in *invocation) auditVerify(file string, filtered bool, checkpoints string) error {
	if file != "" {
		return in.verifyFile(file, filtered, checkpoints)
	}
	if filtered || checkpoints != "" {
		return errors.New("audit verify: --filtered and --checkpoints go with --file")
	}
	a, err := in.App()
	if err != nil {
		return err
	}
	rep, err := a.Auditor.Verify(in.ctx)
	if err != nil {
		return err
	}
	switch {
	case rep.OK:
		fmt.Fprintf(in.stdout, "audit chain intact: %d records, head seq %d, head hash %s\n", rep.Records, rep.HeadSeq, rep.HeadHash)
	case rep.FirstBadSeq > 0:
		fmt.Fprintf(in.stdout, "audit chain BROKEN at seq %d: %s (%d records checked)\n", rep.FirstBadSeq, rep.Reason, rep.Records)
	default:
		fmt.Fprintf(in.stdout, "audit checkpoints BAD: %s (chain: %d records, head seq %d)\n", rep.Reason, rep.Records, rep.HeadSeq)
	}
	printCheckpoints(in.stdout, rep.Checkpoints)
	if !rep.OK {
		return exitCode(1)
	}
	return nil
}

func printCheckpoints(w io.Writer, r audit.CheckpointReport) {
	if r.Total == 0 {
		return
	}
	fmt.Fprintf(w, "checkpoints: %d, %d confirmed by the chain, %d problems (key id %s)\n", r.Total, r.Confirmed, len(r.Problems), r.KeyID)
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  checkpoint of seq %d signed at %s: %s: %s\n", p.Seq, p.SignedAt, p.Kind, p.Detail)
	}
}

// verifyFile verifies an export file offline.
func (e env) verifyFile(path string, filtered bool, checkpoints string) error {
	byName := !filtered && auditor.FilteredName(path)
	check := audit.ExportCheck{Filtered: filtered || byName}
	if checkpoints != "" {
		f, err := os.Open(checkpoints)
		if err != nil {
			return fmt.Errorf("audit verify: %w", err)
		}
		check.PublicKey, check.Checkpoints, err = audit.ReadCheckpointFile(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("audit verify: %s: %w", checkpoints, err)
		}
		if check.Checkpoints == nil {
			check.Checkpoints = []audit.Checkpoint{}
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(64)
	format, err := audit.DetectFormat(path, head)
	if err != nil {
		return err
	}
	res, err := audit.VerifyExport(br, format, check)
	if err != nil {
		return err
	}
	switch {
	case !res.OK && res.FirstBadSeq > 0:
		fmt.Fprintf(e.stdout, "audit export BROKEN at seq %d: %s (%d records verified before it)\n", res.FirstBadSeq, res.Reason, res.Records)
	case !res.OK:
		fmt.Fprintf(e.stdout, "audit export checkpoints BAD: %s\n", res.Reason)
	case res.Records == 0:
		fmt.Fprintf(e.stdout, "audit export holds no records (%s)\n", format)
	case res.Filtered:
		how := "filtered"
		if byName {
			how = "filtered, as its file name says"
		}
		fmt.Fprintf(e.stdout, "records individually valid; not a contiguous chain: %d records from seq %d to seq %d (%s, %s: a missing record cannot be detected)\n",
			res.Records, res.FirstSeq, res.HeadSeq, format, how)
	case res.Segment:
		fmt.Fprintf(e.stdout, "audit export intact: a segment starting at seq %d, %d records up to seq %d, last hash %s (%s)\n"+
			"  its first prev_hash %s must equal the hash of seq %d in an earlier export or a checkpoint\n",
			res.FirstSeq, res.Records, res.HeadSeq, res.HeadHash, format, res.PrevHash, res.FirstSeq-1)
	default:
		fmt.Fprintf(e.stdout, "audit export intact: %d records from seq 1 to seq %d, last hash %s (%s)\n", res.Records, res.HeadSeq, res.HeadHash, format)
	}
	if res.Checkpoints != nil {
		printCheckpoints(e.stdout, *res.Checkpoints)
	}
	if !res.OK {
		return exitCode(1)
	}
	return nil
}

var cmdAuditExport = &Command{
	UsageLine: "audit export [--format ndjson|csv|json] [--from D] [--to D] [--shelter S] [--case ID] [--out FILE]",
	Short:     "stream the audit log (recorded in the chain as an export)",
	Long: `Audit export streams the audit log, oldest record first, to standard output
or to --out (mode 0600, written through a temporary file). The export is
itself recorded in the chain, by "cli", before it streams. An export
filtered by --shelter or --case is not a contiguous chain: audit verify
--file checks its records one by one.`,
	Flags: func(fs *flag.FlagSet) func(*invocation) error {
		var q auditor.Query
		fs.StringVar(&q.Format, "format", "ndjson", "ndjson, csv or json")
		fs.StringVar(&q.From, "from", "", "first date (YYYY-MM-DD, UTC) of recorded_at, inclusive")
		fs.StringVar(&q.To, "to", "", "last date (YYYY-MM-DD, UTC) of recorded_at, inclusive")
		fs.StringVar(&q.Shelter, "shelter", "", "only this shelter's records (the export is then not a contiguous chain)")
		fs.StringVar(&q.Case, "case", "", "only this case's records (the export is then not a contiguous chain)")
		out := fs.String("out", "", "write to this `FILE` (mode 0600) instead of standard output")
		return func(in *invocation) error { return in.auditExport(q, *out) }
	},
}

// auditExport writes an export of the audit log, recorded in the chain as
// an export by "cli".
func (in *invocation) auditExport(q auditor.Query, out string) error {
	a, err := in.App()
	if err != nil {
		return err
	}
	x, err := a.Auditor.StartEvents(in.ctx, auditor.CLI, q)
	if err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	if f, ok := in.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		x.ProgressRows = 10000
		x.Progress = func(n int64) { fmt.Fprintf(in.stderr, "exported %d records\n", n) }
	}
	var n int64
	if out == "" {
		if n, err = x.Stream(in.ctx, in.stdout); err != nil {
			return err
		}
	} else if n, err = streamToFile(in.env, x, out); err != nil {
		return err
	}
	dest := out
	if dest == "" {
		dest = "standard output"
	}
	fmt.Fprintf(in.stderr, "exported %d records to %s (this export is seq %d of the chain)\n", n, dest, x.Seq)
	return nil
}

// streamToFile writes the export to path through writeFileAtomic.
func streamToFile(e env, x *auditor.Export, path string) (int64, error) {
	var n int64
	err := writeFileAtomic(path, func(w io.Writer) error {
		var err error
		n, err = x.Stream(e.ctx, w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("audit export: %w", err)
	}
	return n, nil
}

// writeFileAtomic writes a file of mode 0600 through a temporary file next
// to path, synced and renamed into place, so a failure leaves no partial
// file and a reader never sees one.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

var cmdAuditCheckpoint = &Command{
	UsageLine: "audit checkpoint",
	Short:     "sign the chain head with the checkpoint key",
	Long: `Audit checkpoint verifies the chain and, if it is intact, signs its head now
with the checkpoint key (checkpoint.key in the key directory, generated on
first use: back it up apart from the database) and prints the checkpoint
and the public key. The server also signs one daily.`,
	Flags: noFlags(func(in *invocation) error { return in.auditCheckpoint() }),
}

// auditCheckpoint signs the chain head now and prints the checkpoint.
func (in *invocation) auditCheckpoint() error {
	a, err := in.App()
	if err != nil {
		return err
	}
	sg, created, err := a.Auditor.Signer()
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(in.stdout, "Generated the checkpoint signing key %s (back it up apart from the database; publish the public key below).\n", a.Auditor.KeyPath())
	}
	cp, err := a.Auditor.Checkpoint(in.ctx, auditor.CLI)
	if err != nil {
		return fmt.Errorf("audit checkpoint: %w", err)
	}
	fmt.Fprintf(in.stdout, "checkpoint signed: seq %d, hash %s, signed_at %s\nsignature: %s\npublic key (key id %s): %s\n",
		cp.Seq, cp.Hash, cp.SignedAt, cp.Signature, sg.KeyID(), audit.EncodePublicKey(sg.PublicKey()))
	return nil
}
