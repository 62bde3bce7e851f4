package auditor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/accesslog"
	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/shelter"
	"github.com/casemgr/casemgr/internal/store"
)

// Flusher writes out what a buffered log holds, such as the access-log
// Recorder.
type Flusher interface {
	Flush(ctx context.Context) error
}

// Options configure a Service.
type Options struct {
	// KeyDir is the directory of checkpoint.key (config.KeyDir()).
	KeyDir string
	// Now is the clock of export records and checkpoints.
	Now func() time.Time
	// Log receives the daily checkpoint's outcome; nil discards it.
	Log *slog.Logger
	// Access, when set, is flushed before an access-log export starts, so
	// the export holds every read made before it.
	Access Flusher
}

// Service is what auditors (and the CLI, as the system) use: exports,
// verification and checkpoints.
type Service struct {
	db     *store.DB
	opts   Options
	keyMu  sync.Mutex // guards signer and the creation of its key file
	signer *audit.Signer
	signMu sync.Mutex // serialises checkpoint signing
}

// NewService returns a Service over db.
func NewService(db *store.DB, o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, opts: o}
}

// CLI is the actor of exports and checkpoints made with the casemgr
// command: user "cli" with the system role.
var CLI = auth.Actor{Username: "cli", Role: auth.RoleSystem}

// Query is an export request as given: every field a string, unchecked.
// Format is json, ndjson or csv ("" is json); From and To are dates
// YYYY-MM-DD, inclusive, on the UTC date of recorded_at (accessed_at for
// the access log); Shelter and Case restrict the audit-log export to a
// shelter id or a case id.
type Query struct {
	Format, From, To, Shelter, Case string
}

// check validates q and returns the format; withScope allows shelter and
// case.
func (q Query) check(withScope bool) (audit.Format, error) {
	var f apperr.Fields
	format := q.Format
	if format == "" {
		format = string(audit.FormatJSON)
	}
	ft, err := audit.ParseFormat(format)
	if err != nil {
		f.AddCode("format", apperr.CodeUnknownValue, "unknown format %q: want json, ndjson or csv", q.Format)
	}
	from, fromOK := checkDate(&f, "from", q.From)
	to, toOK := checkDate(&f, "to", q.To)
	if fromOK && toOK && q.From != "" && q.To != "" && to.Before(from) {
		f.Add("to", "%s is before from (%s): the range is inverted", q.To, q.From)
	}
	if withScope {
		if q.Shelter != "" && !shelter.ValidID(q.Shelter) {
			f.Add("shelter", "not a shelter id: lower-case letters, digits and '-'")
		}
		if q.Case != "" {
			if _, err := uuid.Parse(q.Case); err != nil {
				f.Add("case", "not a case id: want the case's UUID")
			}
		}
	}
	return ft, f.Err()
}

func checkDate(f *apperr.Fields, name, v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil || t.Format(time.DateOnly) != v {
		f.AddCode(name, apperr.CodeDate, "want a date as YYYY-MM-DD")
		return time.Time{}, false
	}
	return t, true
}

// Export is an export that has been checked and recorded in the audit
// chain, ready to stream. Set Progress before Stream to follow it.
type Export struct {
	// Format is the export's format.
	Format audit.Format
	// Filename is a suggested file name, naming the log and the filter.
	Filename string
	// Seq is the seq of the export's own record in the chain.
	Seq int64
	// Contiguous says the export is an unbroken run of the chain (no
	// shelter or case filter); always true for the access log.
	Contiguous bool
	// Progress, when set, is called every ProgressRows rows with the
	// number of rows written so far.
	Progress func(rows int64)
	// ProgressRows is the interval of Progress (10000 when 0).
	ProgressRows int64

	db       *gorm.DB
	events   *audit.Filter
	access   *accesslog.Filter
	manifest *audit.ManifestBuilder // audit-log exports
	signer   *audit.Signer
	now      func() time.Time
	signed   *audit.Manifest
}

// HasManifest reports whether Stream signs a manifest: every audit-log
// export does, access-log exports do not.
func (x *Export) HasManifest() bool { return x.manifest != nil }

// Manifest returns the signed manifest of an audit-log export once Stream
// has written it whole; ok is false before that, and for the access log.
func (x *Export) Manifest() (m audit.Manifest, ok bool) {
	if x.signed == nil {
		return audit.Manifest{}, false
	}
	return *x.signed, true
}

// ContentType returns the media type of the export.
func (x *Export) ContentType() string { return x.Format.ContentType() }

func mayExport(a auth.Actor) error {
	if !a.Is(auth.RoleAuditor, auth.RoleSystem) {
		return apperr.Forbiddenf("only auditors export the audit trail")
	}
	return nil
}

// StartEvents checks an audit-log export request (422 naming the field for
// a bad one), appends its `export` record to the chain in its own
// transaction, and returns the export of the records that match, up to
// and including that record: rows appended after it are left out.
func (s *Service) StartEvents(ctx context.Context, a auth.Actor, q Query) (*Export, error) {
	if err := mayExport(a); err != nil {
		return nil, err
	}
	f, err := q.check(true)
	if err != nil {
		return nil, err
	}
	sg, _, err := s.Signer() // the manifest's key: refuse before recording an export that cannot be signed
	if err != nil {
		return nil, fmt.Errorf("auditor: export: %w", err)
	}
	seq, err := s.recordExport(ctx, a, map[string]any{
		"format": string(f), "from": q.From, "to": q.To, "shelter": q.Shelter, "case": q.Case,
	})
	if err != nil {
		return nil, err
	}
	flt := audit.Filter{From: q.From, To: q.To, Shelter: q.Shelter, CaseID: q.Case, MaxSeq: seq}
	return &Export{
		Format: f, Seq: seq, Contiguous: flt.Contiguous(), db: s.db.Read, events: &flt,
		Filename: filename("casemgr-audit-events", q, seq, f),
		manifest: audit.NewManifestBuilder(audit.Manifest{Format: f, From: q.From, To: q.To, Shelter: q.Shelter, Case: q.Case, ExportSeq: seq}),
		signer:   sg, now: s.opts.Now,
	}, nil
}

// StartAccess checks an access-log export request, flushes the access
// recorder (if any), appends the `export` record to the chain, and returns
// the export of the access-log entries in the date range that exist now.
func (s *Service) StartAccess(ctx context.Context, a auth.Actor, q Query) (*Export, error) {
	if err := mayExport(a); err != nil {
		return nil, err
	}
	f, err := q.check(false)
	if err != nil {
		return nil, err
	}
	if s.opts.Access != nil {
		if err := s.opts.Access.Flush(ctx); err != nil {
			return nil, fmt.Errorf("auditor: access export: %w", err)
		}
	}
	seq, err := s.recordExport(ctx, a, map[string]any{
		"format": string(f), "from": q.From, "to": q.To, "log": "access",
	})
	if err != nil {
		return nil, err
	}
	maxID, err := accesslog.MaxID(ctx, s.db.Read)
	if err != nil {
		return nil, fmt.Errorf("auditor: access export: %w", err)
	}
	if maxID == 0 {
		maxID = -1 // nothing to export yet; 0 would mean "no bound"
	}
	flt := accesslog.Filter{From: q.From, To: q.To, MaxID: maxID}
	return &Export{
		Format: f, Seq: seq, Contiguous: true, db: s.db.Read, access: &flt,
		Filename: filename("casemgr-access-log", Query{From: q.From, To: q.To}, 0, f),
	}, nil
}

// recordExport appends the export's record to the chain and returns its
// seq. data holds enumerations, dates and ids only.
func (s *Service) recordExport(ctx context.Context, a auth.Actor, data map[string]any) (int64, error) {
	var seq int64
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		var err error // the clock is read in the transaction, so recorded_at follows seq
		seq, err = audit.AppendAct(tx, s.opts.Now(), a.Username, string(a.Role), "export", "", eligibility.Version, data)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("auditor: record the export: %w", err)
	}
	return seq, nil
}

// filename builds a file name such as
// casemgr-audit-events_from-2026-01-01_to-2026-01-31_shelter-payoke_upto-412.csv.
// Every part is a checked date, shelter id or UUID, so it needs no quoting.
func filename(base string, q Query, seq int64, f audit.Format) string {
	var b strings.Builder
	b.WriteString(base)
	for _, p := range [...]struct{ k, v string }{{"from", q.From}, {"to", q.To}, {"shelter", q.Shelter}, {"case", q.Case}} {
		if p.v != "" {
			fmt.Fprintf(&b, "_%s-%s", p.k, p.v)
		}
	}
	if seq > 0 {
		fmt.Fprintf(&b, "_upto-%d", seq)
	}
	return b.String() + "." + string(f)
}

// FilteredName reports whether name (a path or a file name) is one that
// Filename gives a shelter or case export, which is not a contiguous
// chain: `casemgr audit verify --file` then checks it record by record
// without being told.
func FilteredName(name string) bool {
	base := filepath.Base(name)
	return strings.HasPrefix(base, "casemgr-audit-events_") &&
		(strings.Contains(base, "_shelter-") || strings.Contains(base, "_case-"))
}

// Stream writes the export to w as rows are read and, for the audit log,
// signs its manifest (Manifest), flushing w every
// audit.DefaultFlushRows rows, and returns the number of rows written. An error after
// the first bytes leaves w holding a truncated export.
func (x *Export) Stream(ctx context.Context, w io.Writer) (int64, error) {
	header := audit.Fields()
	if x.access != nil {
		header = accesslog.Fields()
	}
	ew, err := audit.NewExportWriter(w, x.Format, header)
	if err != nil {
		return 0, fmt.Errorf("auditor: export: %w", err)
	}
	every := x.ProgressRows
	if every <= 0 {
		every = 10000
	}
	write := func(r audit.Row) error {
		if err := ew.Write(r); err != nil {
			return err
		}
		if x.Progress != nil && ew.Rows()%every == 0 {
			x.Progress(ew.Rows())
		}
		return nil
	}
	if x.access != nil {
		if x.access.MaxID >= 0 {
			err = accesslog.Select(ctx, x.db, *x.access, func(e accesslog.Entry) error { return write(e) })
		}
	} else {
		err = audit.Select(ctx, x.db, *x.events, func(r audit.Record) error {
			x.manifest.Add(r)
			return write(r)
		})
	}
	if err != nil {
		return ew.Rows(), fmt.Errorf("auditor: export: %w", err)
	}
	if err := ew.Close(); err != nil {
		return ew.Rows(), fmt.Errorf("auditor: export: %w", err)
	}
	if x.manifest != nil {
		m, err := x.manifest.Sign(x.signer, x.now())
		if err != nil {
			return ew.Rows(), fmt.Errorf("auditor: export manifest: %w", err)
		}
		x.signed = &m
	}
	return ew.Rows(), nil
}
