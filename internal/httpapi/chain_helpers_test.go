package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is a second, independent implementation of the audit chain of
// docs/audit.md ("The hash"), written from the documentation only, so that the test
// does not trust internal/audit to check itself.

// jcs returns the RFC 8785 canonical form of v, for the value kinds that
// the audit record can hold: objects, arrays, strings, booleans, null and
// integers (json.Number or int64). Floating-point numbers are refused: the
// spec keeps them out of the chain.
func jcs(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := jcsAppend(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func jcsAppend(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case json.Number:
		n, err := strconv.ParseInt(x.String(), 10, 64)
		if err != nil {
			return fmt.Errorf("jcs: number %s is not an integer: %w", x, err)
		}
		// JSON numbers are IEEE doubles: integers beyond 2^53 would not
		// survive an ES6 serializer.
		if n > 1<<53 || n < -(1<<53) {
			return fmt.Errorf("jcs: integer %d is beyond 2^53", n)
		}
		b.WriteString(strconv.FormatInt(n, 10))
	case string:
		return jcsString(b, x)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := jcsAppend(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		// RFC 8785 3.2.3: sort by the UTF-16 code units of the keys.
		slices.SortFunc(keys, func(a, c string) int {
			return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(c)))
		})
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := jcsString(b, k); err != nil {
				return err
			}
			b.WriteByte(':')
			if err := jcsAppend(b, x[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("jcs: unsupported value %T", v)
	}
	return nil
}

// jcsString writes s as RFC 8785 (ECMAScript JSON.stringify) does: only
// '"', '\' and the C0 controls are escaped; \b \t \n \f \r have short
// forms, the other controls are \u00xx in lower-case hex; everything else,
// including '/', '<', '>', '&', U+2028 and U+2029, is written as is.
func jcsString(b *bytes.Buffer, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("jcs: string %q is not valid UTF-8", s)
	}
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[r>>4])
			b.WriteByte(hexDigits[r&0xf])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return nil
}

// auditRow is one stored row of audit_log, read with plain SQL.
type auditRow struct {
	Seq                                              int64
	RecordedAt, OccurredOn, CaseID, CaseRef, Shelter string
	Actor, ActorRole, Event, FromState, ToState      string
	FromProceedings, ToProceedings, Data, NoteDigest string
	RulesVersion, PrevHash, Hash                     string
}

// chainHash recomputes a row's hash from the spec: hex(SHA-256(prev_hash +
// JCS(record))), the record being every field but hash, seq a JSON integer,
// data an object, the rest strings.
func chainHash(r auditRow) (string, []byte, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(r.Data)))
	dec.UseNumber()
	var data any
	if err := dec.Decode(&data); err != nil {
		return "", nil, fmt.Errorf("seq %d: data %q: %w", r.Seq, r.Data, err)
	}
	if _, ok := data.(map[string]any); !ok {
		return "", nil, fmt.Errorf("seq %d: data %q is not an object", r.Seq, r.Data)
	}
	rec := map[string]any{
		"seq": r.Seq, "recorded_at": r.RecordedAt, "occurred_on": r.OccurredOn,
		"case_id": r.CaseID, "case_ref": r.CaseRef, "shelter": r.Shelter,
		"actor": r.Actor, "actor_role": r.ActorRole, "event": r.Event,
		"from_state": r.FromState, "to_state": r.ToState,
		"from_proceedings": r.FromProceedings, "to_proceedings": r.ToProceedings,
		"data": data, "note_digest": r.NoteDigest, "rules_version": r.RulesVersion,
		"prev_hash": r.PrevHash,
	}
	canon, err := jcs(rec)
	if err != nil {
		return "", nil, fmt.Errorf("seq %d: %w", r.Seq, err)
	}
	h := sha256.New()
	h.Write([]byte(r.PrevHash))
	h.Write(canon)
	return hex.EncodeToString(h.Sum(nil)), canon, nil
}
