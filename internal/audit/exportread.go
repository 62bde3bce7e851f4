package audit

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// ReadError reports a part of an export file that is not a well-formed
// record. Line is the 1-based line (NDJSON, CSV) or 0 when unknown (JSON);
// Index is the 0-based position of the record in the file.
type ReadError struct {
	Line  int
	Index int
	Err   error
}

// Error returns the position and the cause.
func (e *ReadError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("record %d of the file: %v", e.Index+1, e.Err)
}

// Unwrap returns the cause.
func (e *ReadError) Unwrap() error { return e.Err }

// DetectFormat names the format of an export file: from the extension of
// name (.ndjson or .jsonl, .csv, .json) when it has one of these, else
// from head, the first bytes of the file (a UTF-8 byte-order mark and
// whitespace skipped): {"items" is JSON, another { NDJSON, seq a CSV header.
func DetectFormat(name string, head []byte) (Format, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".ndjson", ".jsonl":
		return FormatNDJSON, nil
	case ".csv":
		return FormatCSV, nil
	case ".json":
		return FormatJSON, nil
	}
	h := bytes.TrimLeft(bytes.TrimPrefix(head, utf8BOM), " \t\r\n")
	switch {
	case bytes.HasPrefix(h, []byte(`{"items"`)):
		return FormatJSON, nil
	case bytes.HasPrefix(h, []byte("{")):
		return FormatNDJSON, nil
	case bytes.HasPrefix(h, []byte("seq")):
		return FormatCSV, nil
	}
	return "", fmt.Errorf("audit: %s: %w: cannot tell whether it is CSV, NDJSON or JSON", name, errNotExport)
}

var utf8BOM = []byte("\xef\xbb\xbf")

// ReadExport reads the records of an export in format f from r and calls
// fn for each, in file order, without holding more than one record in
// memory. A part that is not a well-formed record stops the read with a
// *ReadError; an error from fn stops it and is returned unchanged.
//
// NDJSON lines and JSON items are decoded as Record.UnmarshalJSON does.
// CSV must have the header Fields() (a UTF-8 byte-order mark and ';' as
// delimiter are accepted, as Belgian Excel writes them); in every cell a
// leading apostrophe is removed (RestoreCell), seq is a decimal integer
// and data is kept as the text of the cell.
func ReadExport(r io.Reader, f Format, fn func(Record) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(3); bytes.Equal(head, utf8BOM) {
		br.Discard(3)
	}
	switch f {
	case FormatNDJSON:
		return readNDJSON(br, fn)
	case FormatCSV:
		return readCSV(br, fn)
	case FormatJSON:
		return readJSON(br, fn)
	}
	_, err := ParseFormat(string(f))
	return err
}

func readNDJSON(br *bufio.Reader, fn func(Record) error) error {
	line, index := 0, 0
	for {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			line++
			if t := bytes.TrimSpace(b); len(t) > 0 {
				var rec Record
				if perr := rec.UnmarshalJSON(t); perr != nil {
					return &ReadError{Line: line, Index: index, Err: perr}
				}
				index++
				if ferr := fn(rec); ferr != nil {
					return ferr
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("audit: read export: %w", err)
		}
	}
}

func readCSV(br *bufio.Reader, fn func(Record) error) error {
	cr := csv.NewReader(br)
	if first, err := br.Peek(4); err == nil && string(first) == "seq;" {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = len(Fields())
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return &ReadError{Line: 1, Err: fmt.Errorf("%w: the file is empty", errNotExport)}
	}
	if err != nil {
		return &ReadError{Line: 1, Err: fmt.Errorf("header: %w", err)}
	}
	if got, want := strings.Join(header, ","), strings.Join(Fields(), ","); got != want {
		return &ReadError{Line: 1, Err: fmt.Errorf("header %q: want %q", got, want)}
	}
	index := 0
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			return &ReadError{Line: line, Index: index, Err: err}
		}
		line, _ := cr.FieldPos(0)
		rec, err := recordFromCells(row)
		if err != nil {
			return &ReadError{Line: line, Index: index, Err: err}
		}
		index++
		if err := fn(rec); err != nil {
			return err
		}
	}
}

// recordFromCells builds a record from the 18 cells of a CSV row.
func recordFromCells(cells []string) (Record, error) {
	for i := range cells {
		cells[i] = RestoreCell(cells[i])
	}
	var r Record
	seq, err := parseInteger(cells[0])
	if err != nil {
		return Record{}, fmt.Errorf("seq: %w", err)
	}
	r.Seq = seq
	vals := append(cells[1:13:13], cells[14:]...)
	for i, f := range r.textFields() {
		*f.p = vals[i]
	}
	r.Data = cells[13]
	return r, nil
}

func readJSON(br *bufio.Reader, fn func(Record) error) error {
	dec := json.NewDecoder(br)
	expect := func(want json.Delim) error {
		tok, err := dec.Token()
		if err != nil {
			return &ReadError{Err: err}
		}
		if d, ok := tok.(json.Delim); !ok || d != want {
			return &ReadError{Err: fmt.Errorf(`%w: got %v, want {"items":[…]}`, errNotExport, tok)}
		}
		return nil
	}
	if err := expect('{'); err != nil {
		return err
	}
	tok, err := dec.Token()
	if err != nil {
		return &ReadError{Err: err}
	}
	if k, ok := tok.(string); !ok || k != "items" {
		return &ReadError{Err: fmt.Errorf(`%w: got key %v, want {"items":[…]}`, errNotExport, tok)}
	}
	if err := expect('['); err != nil {
		return err
	}
	index := 0
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return &ReadError{Index: index, Err: err}
		}
		var rec Record
		if err := rec.UnmarshalJSON(raw); err != nil {
			return &ReadError{Index: index, Err: err}
		}
		index++
		if err := fn(rec); err != nil {
			return err
		}
	}
	if err := expect(']'); err != nil {
		return err
	}
	return expect('}')
}
