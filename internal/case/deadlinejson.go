package cases

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends p as JSON exactly as encoding/json's Encoder writes
// it (HTML-safe, with a final newline). Encoding the board's page by
// reflection was a quarter of the server's CPU on a load of boards
// (docs/performance.md "Issue 18"); its items are flat, so they are
// written here field by field. FuzzDeadlinePageJSON holds the two
// encodings equal.
func (p DeadlinePage) AppendJSON(dst []byte) ([]byte, error) {
	var err error
	b := append(dst, `{"as_of":`...)
	if b, err = appendDateJSON(b, p.AsOf); err != nil {
		return dst, err
	}
	b = append(b, `,"items":`...)
	if p.Items == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, d := range p.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"case_id":`...)
			b = appendStringJSON(b, d.CaseID)
			b = append(b, `,"reference":`...)
			b = appendStringJSON(b, d.Reference)
			b = append(b, `,"kind":`...)
			b = appendStringJSON(b, d.Kind)
			b = append(b, `,"due_on":`...)
			if b, err = appendDateJSON(b, d.DueOn); err != nil {
				return dst, err
			}
			b = append(b, `,"days_left":`...)
			b = strconv.AppendInt(b, int64(d.DaysLeft), 10)
			b = append(b, `,"severity":`...)
			b = appendStringJSON(b, string(d.Severity))
			b = append(b, `,"state":`...)
			b = appendStringJSON(b, string(d.State))
			if d.Rule != "" {
				b = append(b, `,"rule":`...)
				b = appendStringJSON(b, d.Rule)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"next_cursor":`...)
	b = appendStringJSON(b, p.NextCursor)
	return append(b, "}\n"...), nil
}

// appendDateJSON appends d as Date.MarshalJSON encodes it.
func appendDateJSON(b []byte, d Date) ([]byte, error) {
	enc, err := d.MarshalJSON()
	if err != nil {
		return b, fmt.Errorf("cases: encode date: %w", err)
	}
	return append(b, enc...), nil
}

// appendStringJSON appends s as encoding/json encodes a string: the
// printable ASCII that needs no escape is copied as it is (ids,
// references, kinds, states: all of them here), anything else goes
// through encoding/json itself.
func appendStringJSON(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s) // a string always encodes
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
