package audit

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Format is the encoding of an export: a JSON document, NDJSON or CSV.
type Format string

// The export formats of docs/audit.md "Exports".
const (
	// FormatJSON is one JSON document {"items":[…]}.
	FormatJSON Format = "json"
	// FormatNDJSON is one JSON object per line.
	FormatNDJSON Format = "ndjson"
	// FormatCSV is RFC 4180 CSV with a header line.
	FormatCSV Format = "csv"
)

// ParseFormat returns the Format named s: "json", "ndjson" or "csv".
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatJSON, FormatNDJSON, FormatCSV:
		return f, nil
	}
	return "", fmt.Errorf("audit: unknown export format %q: want json, ndjson or csv", s)
}

// ContentType returns the media type of an export in f.
func (f Format) ContentType() string {
	switch f {
	case FormatNDJSON:
		return "application/x-ndjson"
	case FormatCSV:
		return "text/csv; charset=utf-8"
	default:
		return "application/json"
	}
}

// Row is one row of an export: a Record, or an entry of another log that
// is exported the same way.
type Row interface {
	// AppendJSON appends the row as one JSON object, its keys in header
	// order.
	AppendJSON(b []byte) ([]byte, error)
	// AppendCells appends the row's cells, in header order and not yet
	// neutralised, to dst.
	AppendCells(dst []string) []string
}

// DefaultFlushRows is how many rows an ExportWriter buffers before it
// flushes its destination.
const DefaultFlushRows = 1000

// ExportWriter streams rows in one Format to a writer: rows are encoded as
// they come and the destination is flushed every FlushRows rows (and
// http.Flusher-style destinations, with a Flush method, are flushed too),
// so memory stays flat however many rows pass. Close writes what the
// format needs after the last row. It is not safe for concurrent use.
type ExportWriter struct {
	format Format
	dst    io.Writer
	bw     *bufio.Writer // json and ndjson
	cw     *csv.Writer   // csv
	buf    []byte
	cells  []string
	rows   int64
	err    error
	// FlushRows is the number of rows between flushes (DefaultFlushRows
	// when 0 or less).
	FlushRows int
}

// NewExportWriter returns a writer of rows in format f to w, with header
// the field names (the CSV header line; unused in JSON, where each row
// writes its own keys).
func NewExportWriter(w io.Writer, f Format, header []string) (*ExportWriter, error) {
	if _, err := ParseFormat(string(f)); err != nil {
		return nil, err
	}
	x := &ExportWriter{format: f, dst: w}
	switch f {
	case FormatCSV:
		x.cw = csv.NewWriter(w)
		x.cw.UseCRLF = true // RFC 4180; cells never hold a line break (see Append)
		x.err = x.cw.Write(header)
	case FormatJSON:
		x.bw = bufio.NewWriterSize(w, 64<<10)
		_, x.err = x.bw.WriteString(`{"items":[`)
	default:
		x.bw = bufio.NewWriterSize(w, 64<<10)
	}
	return x, nil
}

// Rows returns the number of rows written so far.
func (x *ExportWriter) Rows() int64 { return x.rows }

// Write encodes one row. After an error every call returns that error.
func (x *ExportWriter) Write(r Row) error {
	if x.err != nil {
		return x.err
	}
	switch x.format {
	case FormatCSV:
		x.cells = r.AppendCells(x.cells[:0])
		for i, c := range x.cells {
			x.cells[i] = NeutraliseCell(c)
		}
		x.err = x.cw.Write(x.cells)
	default:
		b := x.buf[:0]
		if x.format == FormatJSON && x.rows > 0 {
			b = append(b, ',')
		}
		b, x.err = r.AppendJSON(b)
		if x.err != nil {
			return x.err
		}
		if x.format == FormatNDJSON {
			b = append(b, '\n')
		}
		_, x.err = x.bw.Write(b)
		x.buf = b
	}
	if x.err != nil {
		return x.err
	}
	x.rows++
	every := x.FlushRows
	if every <= 0 {
		every = DefaultFlushRows
	}
	if x.rows%int64(every) == 0 {
		x.err = x.flush()
	}
	return x.err
}

// Close writes the end of the document (for JSON) and flushes. It does
// not close the destination.
func (x *ExportWriter) Close() error {
	if x.err != nil {
		return x.err
	}
	if x.format == FormatJSON {
		if _, err := x.bw.WriteString("]}\n"); err != nil {
			x.err = err
			return err
		}
	}
	x.err = x.flush()
	return x.err
}

func (x *ExportWriter) flush() error {
	if x.cw != nil {
		x.cw.Flush()
		if err := x.cw.Error(); err != nil {
			return fmt.Errorf("audit: export: %w", err)
		}
	} else if err := x.bw.Flush(); err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	switch f := x.dst.(type) {
	case interface{ Flush() error }:
		if err := f.Flush(); err != nil {
			return fmt.Errorf("audit: export: %w", err)
		}
	case interface{ Flush() }:
		f.Flush()
	}
	return nil
}

// NeutraliseCell makes a CSV cell safe to open in a spreadsheet: a cell
// that starts with '=', '+', '-', '@', a tab or a carriage return (which a
// spreadsheet could take for a formula) gets a leading apostrophe. Every
// other cell is returned unchanged. RestoreCell undoes it.
func NeutraliseCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// RestoreCell undoes NeutraliseCell: it removes one leading apostrophe.
// No field of a record starts with an apostrophe (Append refuses it), so a
// cell that starts with one was always neutralised.
func RestoreCell(s string) string {
	return strings.TrimPrefix(s, "'")
}

// AppendCells appends r's 18 cells in Fields() order: seq in decimal, data
// as stored (its JCS text, "{}" when empty) and every other field
// verbatim.
func (r Record) AppendCells(dst []string) []string {
	data := r.Data
	if data == "" {
		data = "{}"
	}
	return append(dst,
		strconv.FormatInt(r.Seq, 10), r.RecordedAt, r.OccurredOn, r.CaseID, r.CaseRef, r.Shelter,
		r.Actor, r.ActorRole, r.Event, r.FromState, r.ToState, r.FromProceedings, r.ToProceedings,
		data, r.NoteDigest, r.RulesVersion, r.PrevHash, r.Hash)
}

// AppendJSON appends r as the export object of MarshalJSON, with data the
// stored JCS text itself (the bytes that were hashed). It never fails on
// a damaged record, so that an export shows the damage rather than
// stopping at it: data that is not a JSON object is written as a JSON
// string, and invalid UTF-8 is replaced by U+FFFD; the verifier then
// reports that record.
func (r Record) AppendJSON(b []byte) ([]byte, error) {
	data := r.Data
	if data == "" {
		data = "{}"
	}
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, r.Seq, 10)
	b = appendMember(b, "recorded_at", r.RecordedAt)
	b = appendMember(b, "occurred_on", r.OccurredOn)
	b = appendMember(b, "case_id", r.CaseID)
	b = appendMember(b, "case_ref", r.CaseRef)
	b = appendMember(b, "shelter", r.Shelter)
	b = appendMember(b, "actor", r.Actor)
	b = appendMember(b, "actor_role", r.ActorRole)
	b = appendMember(b, "event", r.Event)
	b = appendMember(b, "from_state", r.FromState)
	b = appendMember(b, "to_state", r.ToState)
	b = appendMember(b, "from_proceedings", r.FromProceedings)
	b = appendMember(b, "to_proceedings", r.ToProceedings)
	if isObjectText(data) {
		b = append(b, `,"data":`...)
		b = append(b, data...)
	} else {
		b = appendMember(b, "data", data)
	}
	b = appendMember(b, "note_digest", r.NoteDigest)
	b = appendMember(b, "rules_version", r.RulesVersion)
	b = appendMember(b, "prev_hash", r.PrevHash)
	b = appendMember(b, "hash", r.Hash)
	return append(b, '}'), nil
}

// appendMember appends ,"key":"value" with value written as JCS writes
// strings; invalid UTF-8 becomes U+FFFD.
func appendMember(b []byte, key, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return AppendJSONString(b, value)
}

// AppendJSONString appends s as a JSON string written the way RFC 8785
// writes strings; invalid UTF-8 is replaced by U+FFFD.
func AppendJSONString(b []byte, s string) []byte {
	// Fast path: printable ASCII without '"' or '\\' is copied as it is.
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	b, _ = appendString(b, s) // valid UTF-8 cannot fail
	return b
}

func isObjectText(s string) bool {
	return len(s) >= 2 && s[0] == '{' && json.Valid([]byte(s))
}

// Filter selects the records of an export. The zero Filter selects the
// whole log.
type Filter struct {
	// From and To are dates (YYYY-MM-DD), inclusive, compared with the UTC
	// date of recorded_at; "" leaves that end open.
	From, To string
	// Shelter and CaseID, when not "", keep only the records of that
	// shelter or case.
	Shelter, CaseID string
	// Event and Actor, when not "", keep only the records of that event
	// (or administrative act) and that username: the audit page's filters.
	Event, Actor string
	// MaxSeq, when above 0, keeps only records with seq <= MaxSeq (the head
	// when the export began), so rows appended meanwhile are left out.
	MaxSeq int64
	// After, when above 0, keeps only records with seq > After (the next
	// page of a listing).
	After int64
}

// Contiguous reports whether f selects an unbroken run of the chain: no
// shelter or case filter. A date range is contiguous as long as
// recorded_at grows with seq, which Append's serialisation gives on a
// clock that does not step back.
func (f Filter) Contiguous() bool {
	return f.Shelter == "" && f.CaseID == "" && f.Event == "" && f.Actor == "" && f.After == 0
}

// dayAfter returns the date after d (YYYY-MM-DD), checking d's format.
func dayAfter(d string) (string, error) {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil || t.Format(time.DateOnly) != d {
		return "", fmt.Errorf("date %q: want YYYY-MM-DD", d)
	}
	return t.AddDate(0, 0, 1).Format(time.DateOnly), nil
}

// Select calls fn for every record f selects, in seq order, streaming:
// memory stays flat however many rows match. The rows come from one query,
// so from one consistent snapshot (a row that only tampering can produce,
// holding the packed read's separator, is read on its own and the query
// resumes after it; with MaxSeq set the rows are fixed anyway). A second
// goroutine reads while fn runs in the caller's. Select stops at the first
// error fn returns and returns it unchanged. The rows hold a connection of
// db until Select returns.
func Select(ctx context.Context, db *gorm.DB, f Filter, fn func(Record) error) error {
	lo, hi := max(1, f.After+1), int64(-1)
	if f.MaxSeq > 0 {
		hi = f.MaxSeq
	}
	var after string
	if f.To != "" {
		var err error
		if after, err = dayAfter(f.To); err != nil {
			return fmt.Errorf("audit: select: to: %w", err)
		}
	}
	if f.From != "" {
		if _, err := dayAfter(f.From); err != nil {
			return fmt.Errorf("audit: select: from: %w", err)
		}
		// Bound the seq range with the index on recorded_at, so the main
		// query walks the primary key in seq order instead of sorting.
		var first *int64
		if err := fresh(ctx, db).Model(&Record{}).Select("MIN(seq)").Where("recorded_at >= ?", f.From).Scan(&first).Error; err != nil {
			return fmt.Errorf("audit: select: %w", err)
		}
		if first == nil {
			return nil
		}
		lo = max(lo, *first)
	}
	if after != "" {
		var last *int64
		if err := fresh(ctx, db).Model(&Record{}).Select("MAX(seq)").Where("recorded_at < ?", after).Scan(&last).Error; err != nil {
			return fmt.Errorf("audit: select: %w", err)
		}
		if last == nil {
			return nil
		}
		if hi < 0 || *last < hi {
			hi = *last
		}
	}
	if hi >= 0 && hi < lo {
		return nil
	}
	where := func(q *gorm.DB) *gorm.DB {
		if hi >= 0 {
			q = q.Where("seq <= ?", hi)
		}
		if f.From != "" {
			q = q.Where("recorded_at >= ?", f.From)
		}
		if after != "" {
			q = q.Where("recorded_at < ?", after)
		}
		if f.Shelter != "" {
			q = q.Where("shelter = ?", f.Shelter)
		}
		if f.CaseID != "" {
			q = q.Where("case_id = ?", f.CaseID)
		}
		if f.Event != "" {
			q = q.Where("event = ?", f.Event)
		}
		if f.Actor != "" {
			q = q.Where("actor = ?", f.Actor)
		}
		return q.Order("seq")
	}
	for {
		odd, err := selectPacked(where(fresh(ctx, db).Model(&Record{}).Select(packedColumns, packedSeps...).Where("seq >= ?", lo)), fn)
		if err != nil || odd == 0 {
			return err
		}
		// A row holding the separator (only a tampered one can) is read
		// column by column, then the packed read resumes after it.
		var r Record
		row := fresh(ctx, db).Model(&Record{}).Select(Fields()).Where("seq = ?", odd).Row()
		if err := row.Scan(r.scanDest()...); err != nil {
			return fmt.Errorf("audit: select: seq %d: %w", odd, err)
		}
		if err := fn(r); err != nil {
			return err
		}
		lo = odd + 1
	}
}

// unitSep joins the fields of a row in the packed read. No field of a
// record Append wrote holds it (text fields hold no control character but
// tab, data is JCS text, which escapes them).
const unitSep = '\x1f'

// packedColumns reads a record as one string, its 18 fields joined by
// unitSep (one bound parameter per join, so the SQL stays portable): the
// driver then copies and boxes one value per row instead of 18, which
// roughly halves the cost of reading a row.
var packedColumns, packedSeps = func() (string, []any) {
	parts := Fields()
	parts[0] = "CAST(seq AS TEXT)"
	seps := make([]any, len(parts)-1)
	for i := range seps {
		seps[i] = string(unitSep)
	}
	return strings.Join(parts, " || ? || "), seps
}()

// selectPacked runs q, a packed read, and calls fn for each record. It
// stops early and returns the seq of a row that does not split into 18
// fields, 0 when there is none.
//
// The rows are read by a second goroutine and handed over in batches of
// packBatch through a channel of packQueue batches, so reading (mostly
// SQLite's own C code) and encoding overlap on two cores while memory
// stays bounded: at most (packQueue+2)·packBatch rows are in flight.
func selectPacked(q *gorm.DB, fn func(Record) error) (odd int64, err error) {
	rows, err := q.Rows()
	if err != nil {
		return 0, fmt.Errorf("audit: select: %w", err)
	}
	batches := make(chan []string, packQueue)
	stop := make(chan struct{})
	var readErr error // written before batches is closed
	go func() {
		defer close(batches)
		batch := make([]string, 0, packBatch)
		for rows.Next() {
			var packed string
			if readErr = rows.Scan(&packed); readErr != nil {
				return
			}
			if batch = append(batch, packed); len(batch) == packBatch {
				select {
				case batches <- batch:
				case <-stop:
					return
				}
				batch = make([]string, 0, packBatch)
			}
		}
		if readErr = rows.Err(); readErr == nil && len(batch) > 0 {
			select {
			case batches <- batch:
			case <-stop:
			}
		}
	}()
	defer func() {
		close(stop)
		for range batches { // let the reader finish before closing its rows
		}
		rows.Close()
	}()
	for batch := range batches {
		for _, packed := range batch {
			r, ok := unpack(packed)
			if !ok {
				return r.Seq, nil
			}
			if err := fn(r); err != nil {
				return 0, err
			}
		}
	}
	if readErr != nil {
		return 0, fmt.Errorf("audit: select: %w", readErr)
	}
	return 0, nil
}

// The batching of selectPacked.
const (
	packBatch = 256
	packQueue = 4
)

// unpack splits a packed row. ok is false when it does not hold exactly 18
// fields; r.Seq is then still set from the first one.
func unpack(s string) (r Record, ok bool) {
	i := strings.IndexByte(s, unitSep)
	if i < 0 {
		return r, false
	}
	seq, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return r, false
	}
	r.Seq = seq
	s = s[i+1:]
	for _, p := range [...]*string{&r.RecordedAt, &r.OccurredOn, &r.CaseID, &r.CaseRef, &r.Shelter, &r.Actor,
		&r.ActorRole, &r.Event, &r.FromState, &r.ToState, &r.FromProceedings, &r.ToProceedings, &r.Data,
		&r.NoteDigest, &r.RulesVersion, &r.PrevHash} {
		i := strings.IndexByte(s, unitSep)
		if i < 0 {
			return r, false
		}
		*p, s = s[:i], s[i+1:]
	}
	if strings.IndexByte(s, unitSep) >= 0 {
		return r, false
	}
	r.Hash = s
	return r, true
}

// errNotExport marks input that is not an export at all.
var errNotExport = errors.New("not an audit export")
