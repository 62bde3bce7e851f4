package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

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
	UsageLine: "audit verify [--checkpoint WITNESS]... [--consistency=false] | --file EXPORT [--filtered] [--checkpoint WITNESS]... [--manifest FILE]",
	Short:     "exit 0 if the audit chain (or an export file) is intact, 1 and the first bad seq if not",
	Long: `Audit verify recomputes the hash chain in the database and compares it with
every signed checkpoint, and the cases table with the chain. It exits 0 when
all is intact, and 1 with the first bad seq when a record was altered,
removed or inserted, a checkpoint contradicts the chain or is missing from
the checkpoint chain, or a case's state, proceedings or version disagree
with its records (their ids are listed).

--checkpoint takes witness files kept outside the server (audit checkpoint
--out, GET /api/v1/audit/checkpoints/latest): the chain must reach and hold
each of their checkpoints, and the database must still hold them.

With --file it verifies an export (.ndjson, .csv or .json) offline, without
the database, with its signed manifest (EXPORT.sig.json when it exists, or
--manifest) so that a file cut short fails; --checkpoint compares it with
checkpoint files. An export filtered by shelter or case is not a contiguous
chain: each record is then checked on its own.`,
	Flags: func(fs *flag.FlagSet) func(*invocation) error {
		var o verifyOptions
		fs.StringVar(&o.file, "file", "", "verify this `EXPORT` file (.ndjson, .csv or .json) instead of the database")
		fs.BoolVar(&o.filtered, "filtered", false, "with --file: the export was filtered by shelter or case; check each record on its own (implied by the file names the server gives such exports)")
		fs.Var(&o.witnesses, "checkpoint", "a witness `FILE` kept outside the server (audit checkpoint --out, GET /api/v1/audit/checkpoints[/latest]); repeatable")
		fs.Var(&o.witnesses, "checkpoints", "the same as --checkpoint (a checkpoint `FILE`)")
		fs.StringVar(&o.manifest, "manifest", "", "with --file: the export's signed manifest `FILE` (default EXPORT"+manifestSuffix+" when it exists)")
		fs.BoolVar(&o.consistency, "consistency", true, "compare every case's state, proceedings and version with its records in the chain")
		return func(in *invocation) error { return in.auditVerify(o) }
	},
}

// verifyOptions are the flags of audit verify.
type verifyOptions struct {
	file, manifest string
	filtered       bool
	consistency    bool
	witnesses      fileList
}

// manifestSuffix is appended to an export's path to name its signed
// manifest: history.csv and history.csv.sig.json.
const manifestSuffix = ".sig.json"

// fileList is a repeatable flag of file names.
type fileList []string

func (l *fileList) String() string     { return strings.Join(*l, ",") }
func (l *fileList) Set(v string) error { *l = append(*l, v); return nil }

// readWitnesses reads checkpoint files (witness files or the document of
// GET /api/v1/audit/checkpoints).
func readWitnesses(paths []string) ([]audit.Witness, error) {
	var out []audit.Witness
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("audit verify: %w", err)
		}
		pub, items, err := audit.ReadCheckpointFile(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("audit verify: %s: %w", p, err)
		}
		out = append(out, audit.Witness{Name: p, PublicKey: pub, Items: items})
	}
	return out, nil
}

// auditVerify verifies the chain in the database with its checkpoints, the
// witness files and the cases table, or an export file without the
// database.
func (in *invocation) auditVerify(o verifyOptions) error {
	ws, err := readWitnesses(o.witnesses)
	if err != nil {
		return err
	}
	if o.file != "" {
		return in.verifyFile(o.file, o.filtered, ws, o.manifest)
	}
	if o.filtered || o.manifest != "" {
		return errors.New("audit verify: --filtered and --manifest go with --file")
	}
	a, err := in.App()
	if err != nil {
		return err
	}
	rep, err := a.Auditor.VerifyWith(in.ctx, auditor.VerifyOptions{Witnesses: ws, Consistency: o.consistency})
	if err != nil {
		return err
	}
	switch {
	case rep.OK:
		fmt.Fprintf(in.stdout, "audit chain intact: %d records, head seq %d, head hash %s\n", rep.Records, rep.HeadSeq, rep.HeadHash)
	case rep.FirstBadSeq > 0:
		fmt.Fprintf(in.stdout, "audit chain BROKEN at seq %d: %s (%d records checked)\n", rep.FirstBadSeq, rep.Reason, rep.Records)
	case rep.Consistency != nil && !rep.Consistency.OK():
		fmt.Fprintf(in.stdout, "audit chain intact, but the cases table disagrees with it: %s\n", rep.Reason)
	default:
		fmt.Fprintf(in.stdout, "audit checkpoints BAD: %s (chain: %d records, head seq %d)\n", rep.Reason, rep.Records, rep.HeadSeq)
	}
	printCheckpoints(in.stdout, rep.Checkpoints)
	if c := rep.Consistency; c != nil && c.OK() {
		fmt.Fprintf(in.stdout, "cases consistent with the chain: %d cases\n", c.Cases)
	}
	if !rep.OK {
		return exitCode(1)
	}
	return nil
}

func printCheckpoints(w io.Writer, r audit.CheckpointReport) {
	if r.Total == 0 && r.Witnessed == 0 {
		return
	}
	fmt.Fprintf(w, "checkpoints: %d, %d confirmed by the chain, %d problems (key id %s)\n", r.Total, r.Confirmed, len(r.Problems), r.KeyID)
	if r.Witnessed > 0 {
		fmt.Fprintf(w, "witness checkpoints compared: %d\n", r.Witnessed)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  checkpoint of seq %d signed at %s: %s: %s\n", p.Seq, p.SignedAt, p.Kind, p.Detail)
	}
}

// verifyFile verifies an export file offline, with the checkpoints of the
// witness files and the export's signed manifest.
func (e env) verifyFile(path string, filtered bool, ws []audit.Witness, manifest string) error {
	byName := !filtered && auditor.FilteredName(path)
	check := audit.ExportCheck{Filtered: filtered || byName}
	for _, w := range ws {
		if check.PublicKey != nil && !check.PublicKey.Equal(w.PublicKey) {
			return fmt.Errorf("audit verify: %s: signed with key %s, the other checkpoint files with %s", w.Name, audit.KeyID(w.PublicKey), audit.KeyID(check.PublicKey))
		}
		check.PublicKey = w.PublicKey
		check.Checkpoints = append(check.Checkpoints, w.Items...)
	}
	if len(ws) > 0 && check.Checkpoints == nil {
		check.Checkpoints = []audit.Checkpoint{}
	}
	explicit := manifest != ""
	if !explicit {
		manifest = path + manifestSuffix
	}
	if mf, err := os.Open(manifest); err == nil {
		m, err := audit.ReadManifest(mf)
		mf.Close()
		if err != nil {
			return fmt.Errorf("audit verify: %s: %w", manifest, err)
		}
		check.Manifest = &m
	} else if explicit || !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("audit verify: %w", err)
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
	switch {
	case res.Manifest && check.PublicKey != nil:
		fmt.Fprintf(e.stdout, "signed manifest %s: the file holds exactly the rows it lists (key id %s, the checkpoint files' key)\n", manifest, check.Manifest.KeyID)
	case res.Manifest:
		fmt.Fprintf(e.stdout, "signed manifest %s: the file holds exactly the rows it lists (key id %s: compare it with the published checkpoint key, or pass --checkpoint)\n", manifest, check.Manifest.KeyID)
	case check.Manifest == nil && res.OK:
		fmt.Fprintf(e.stdout, "no signed manifest (%s): rows cut off the end of the file cannot be detected\n", manifest)
	}
	if !res.OK {
		return exitCode(1)
	}
	return nil
}

var cmdAuditExport = &Command{
	UsageLine: "audit export [--format ndjson|csv|json] [--from D] [--to D] [--shelter S] [--case ID] [--out FILE] [--manifest FILE]",
	Short:     "stream the audit log (recorded in the chain as an export)",
	Long: `Audit export streams the audit log, oldest record first, to standard output
or to --out (mode 0600, written through a temporary file). The export is
itself recorded in the chain, by "cli", before it streams. An export
filtered by --shelter or --case is not a contiguous chain: audit verify
--file checks its records one by one. With --out, the export's signed
manifest (record count, last seq and hash, digest of the rows; signed with
the checkpoint key) is written to FILE.sig.json, so that audit verify
--file finds a file cut short.`,
	Flags: func(fs *flag.FlagSet) func(*invocation) error {
		var q auditor.Query
		fs.StringVar(&q.Format, "format", "ndjson", "ndjson, csv or json")
		fs.StringVar(&q.From, "from", "", "first date (YYYY-MM-DD, UTC) of recorded_at, inclusive")
		fs.StringVar(&q.To, "to", "", "last date (YYYY-MM-DD, UTC) of recorded_at, inclusive")
		fs.StringVar(&q.Shelter, "shelter", "", "only this shelter's records (the export is then not a contiguous chain)")
		fs.StringVar(&q.Case, "case", "", "only this case's records (the export is then not a contiguous chain)")
		out := fs.String("out", "", "write to this `FILE` (mode 0600) instead of standard output, and its signed manifest to FILE"+manifestSuffix)
		manifest := fs.String("manifest", "", "write the signed manifest to this `FILE` (default: FILE"+manifestSuffix+" with --out; none on standard output)")
		return func(in *invocation) error { return in.auditExport(q, *out, *manifest) }
	},
}

// auditExport writes an export of the audit log, recorded in the chain as
// an export by "cli", and its signed manifest.
func (in *invocation) auditExport(q auditor.Query, out, manifest string) error {
	if manifest == "" && out != "" {
		manifest = out + manifestSuffix
	}
	a, err := in.App()
	if err != nil {
		return err
	}
	if _, created, err := a.Auditor.Signer(); err != nil {
		return fmt.Errorf("audit export: %w", err)
	} else if created {
		fmt.Fprintf(in.stderr, "Generated the checkpoint signing key %s, which signs checkpoints and export manifests (back it up apart from the database).\n", a.Auditor.KeyPath())
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
	if m, ok := x.Manifest(); ok && manifest != "" {
		if err := writeJSONFile(manifest, m); err != nil {
			return fmt.Errorf("audit export: manifest: %w", err)
		}
		fmt.Fprintf(in.stderr, "signed manifest written to %s (keep it with the export: it shows the file is whole)\n", manifest)
	}
	return nil
}

// writeJSONFile writes v as indented JSON to path through writeFileAtomic.
func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
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
	UsageLine: "audit checkpoint [--out WITNESS]",
	Short:     "sign the chain head with the checkpoint key",
	Long: `Audit checkpoint verifies the chain and, if it is intact, signs its head now
with the checkpoint key (checkpoint.key in the key directory, generated on
first use: back it up apart from the database) and prints the checkpoint
and the public key. The server also signs one daily. Each checkpoint signs
its own number and the previous checkpoint's hash, so a deleted one breaks
the checkpoint chain. --out also writes it as a witness file (mode 0600) to
keep outside the server and give to audit verify --checkpoint.`,
	Flags: func(fs *flag.FlagSet) func(*invocation) error {
		out := fs.String("out", "", "also write the checkpoint and the public key to this witness `FILE`")
		return func(in *invocation) error { return in.auditCheckpoint(*out) }
	},
}

// auditCheckpoint signs the chain head now and prints the checkpoint; with
// out it also writes it as a witness file.
func (in *invocation) auditCheckpoint(out string) error {
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
	if out != "" {
		w := audit.CheckpointFile{PublicKey: audit.EncodePublicKey(sg.PublicKey()), KeyID: sg.KeyID(), Items: []audit.Checkpoint{cp}}
		if err := writeJSONFile(out, w); err != nil {
			return fmt.Errorf("audit checkpoint: %w", err)
		}
		fmt.Fprintf(in.stdout, "witness file written to %s (checkpoint %d): keep it outside the server\n", out, cp.Number)
	}
	return nil
}
