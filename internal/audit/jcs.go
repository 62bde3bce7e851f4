package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of objects and arrays that Canonicalize and
// CanonicalData accept. Audit data objects are flat; the bound keeps hostile
// input from recursing deeply.
const maxDepth = 32

// maxSafeInteger is 2^53 - 1, the largest integer that every JSON
// implementation (IEEE 754 doubles, as RFC 8785 assumes) holds exactly.
const maxSafeInteger = 1<<53 - 1

// Canonicalize returns the RFC 8785 (JCS) canonical form of v. It accepts
// nil, bool, string, json.Number (integers only), the int and uint kinds,
// map[string]any, []any and []string, nested to a depth of 32. Object keys
// are sorted by their UTF-16 code units; strings are escaped as
// ECMAScript's JSON.stringify does. Floating-point values, numbers with a
// fraction or an exponent, integers beyond ±(2^53-1), invalid UTF-8 and any
// other type are rejected with an error. A nil map or slice of a listed type
// encodes as {} or [].
func Canonicalize(v any) ([]byte, error) {
	b, err := appendCanonical(nil, v, 0)
	if err != nil {
		return nil, fmt.Errorf("audit: canonicalize: %w", err)
	}
	return b, nil
}

// CanonicalData parses raw as a JSON object and returns its canonical (JCS)
// text. Empty input (or only JSON whitespace) yields "{}". It rejects
// anything but an object (including null), numbers that are not integers in
// ±(2^53-1), invalid UTF-8, unpaired surrogate escapes, duplicate keys and
// trailing data.
func CanonicalData(raw []byte) (string, error) {
	if len(bytes.Trim(raw, " \t\r\n")) == 0 || string(raw) == "{}" {
		return "{}", nil
	}
	v, err := parseJSON(raw)
	if err != nil {
		return "", fmt.Errorf("audit: data: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return "", fmt.Errorf("audit: data: got %s, want a JSON object", kindOf(v))
	}
	b, err := appendCanonical(nil, m, 0)
	if err != nil {
		return "", fmt.Errorf("audit: data: %w", err)
	}
	return string(b), nil
}

// DataOf returns the canonical (JCS) text of the data object m, "{}" for a
// nil or empty map. Values are typically string, bool, int, int64 or
// []string; anything Canonicalize accepts is allowed.
func DataOf(m map[string]any) (string, error) {
	b, err := appendCanonical(nil, m, 0)
	if err != nil {
		return "", fmt.Errorf("audit: data: %w", err)
	}
	return string(b), nil
}

func appendCanonical(b []byte, v any, depth int) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		return appendString(b, x)
	case json.Number:
		n, err := parseInteger(string(x))
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(b, n, 10), nil
	case int:
		return appendInt(b, int64(x))
	case int8:
		return appendInt(b, int64(x))
	case int16:
		return appendInt(b, int64(x))
	case int32:
		return appendInt(b, int64(x))
	case int64:
		return appendInt(b, x)
	case uint:
		return appendUint(b, uint64(x))
	case uint8:
		return appendUint(b, uint64(x))
	case uint16:
		return appendUint(b, uint64(x))
	case uint32:
		return appendUint(b, uint64(x))
	case uint64:
		return appendUint(b, x)
	case float32, float64:
		return nil, fmt.Errorf("floating-point number %v: only integers are allowed", x)
	case map[string]any:
		if depth >= maxDepth {
			return nil, fmt.Errorf("nesting deeper than %d levels", maxDepth)
		}
		return appendObject(b, x, depth+1)
	case []any:
		if depth >= maxDepth {
			return nil, fmt.Errorf("nesting deeper than %d levels", maxDepth)
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendCanonical(b, e, depth+1); err != nil {
				return nil, fmt.Errorf("index %d: %w", i, err)
			}
		}
		return append(b, ']'), nil
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendString(b, e); err != nil {
				return nil, fmt.Errorf("index %d: %w", i, err)
			}
		}
		return append(b, ']'), nil
	default:
		return nil, fmt.Errorf("unsupported type %T", v)
	}
}

func appendObject(b []byte, m map[string]any, depth int) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareUTF16)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendString(b, k); err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		b = append(b, ':')
		if b, err = appendCanonical(b, m[k], depth); err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
	}
	return append(b, '}'), nil
}

// compareUTF16 orders strings by their UTF-16 code units, as RFC 8785
// section 3.2.3 requires. It differs from byte (code point) order only for
// characters above U+FFFF, whose surrogates sort before U+E000..U+FFFF.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			var ba, bb [2]uint16
			return slices.Compare(utf16.AppendRune(ba[:0], ra), utf16.AppendRune(bb[:0], rb))
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string the way RFC 8785 (ECMAScript
// JSON.stringify) writes it: '"' and '\' escaped, \b \t \n \f \r in short
// form, other control characters as \u00xx with lowercase hex, everything
// else (including '/', U+007F and all non-ASCII) as UTF-8.
func appendString(b []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, errors.New("string is not valid UTF-8")
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b = append(b, '\\', '"')
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"'), nil
}

func appendInt(b []byte, n int64) ([]byte, error) {
	if n > maxSafeInteger || n < -maxSafeInteger {
		return nil, fmt.Errorf("integer %d is outside ±(2^53-1)", n)
	}
	return strconv.AppendInt(b, n, 10), nil
}

func appendUint(b []byte, n uint64) ([]byte, error) {
	if n > maxSafeInteger {
		return nil, fmt.Errorf("integer %d is outside ±(2^53-1)", n)
	}
	return strconv.AppendUint(b, n, 10), nil
}

// parseInteger accepts the JSON integer syntax -?(0|[1-9][0-9]*) within
// ±(2^53-1). "-0" is 0, as in RFC 8785.
func parseInteger(s string) (int64, error) {
	digits := s
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	valid := digits != "" && (digits == "0" || digits[0] != '0')
	for i := 0; valid && i < len(digits); i++ {
		valid = digits[i] >= '0' && digits[i] <= '9'
	}
	if !valid {
		return 0, fmt.Errorf("number %q: only integers are allowed", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > maxSafeInteger || n < -maxSafeInteger {
		return 0, fmt.Errorf("integer %s is outside ±(2^53-1)", s)
	}
	return n, nil
}

// parseJSON parses one JSON value strictly: valid UTF-8, paired surrogate
// escapes, no duplicate object keys, no trailing data, numbers kept as
// json.Number. Objects become map[string]any and arrays []any.
func parseJSON(raw []byte) (any, error) {
	if !utf8.Valid(raw) {
		return nil, errors.New("input is not valid UTF-8")
	}
	if err := checkSurrogateEscapes(raw); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := parseValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

func parseValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil, io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, bool, nil or json.Number
	}
	if depth >= maxDepth {
		return nil, fmt.Errorf("nesting deeper than %d levels", maxDepth)
	}
	switch d {
	case '{':
		m := map[string]any{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, ok := kt.(string)
			if !ok {
				return nil, fmt.Errorf("object key %v is not a string", kt)
			}
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("duplicate key %q", k)
			}
			v, err := parseValue(dec, depth+1)
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", k, err)
			}
			m[k] = v
		}
		if _, err := dec.Token(); err != nil { // '}'
			return nil, err
		}
		return m, nil
	case '[':
		a := []any{}
		for dec.More() {
			v, err := parseValue(dec, depth+1)
			if err != nil {
				return nil, fmt.Errorf("index %d: %w", len(a), err)
			}
			a = append(a, v)
		}
		if _, err := dec.Token(); err != nil { // ']'
			return nil, err
		}
		return a, nil
	default:
		return nil, fmt.Errorf("unexpected %q", rune(d))
	}
}

// checkSurrogateEscapes rejects \uXXXX escapes that encode an unpaired
// UTF-16 surrogate; encoding/json would silently turn them into U+FFFD.
// Malformed escapes are left for the decoder to report.
func checkSurrogateEscapes(raw []byte) error {
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !inString {
			inString = c == '"'
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			if i+1 >= len(raw) {
				return nil
			}
			if raw[i+1] != 'u' {
				i++
				continue
			}
			r, ok := hex4(raw, i+2)
			if !ok {
				return nil
			}
			i += 5 // the last hex digit
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return fmt.Errorf("unpaired surrogate escape \\u%04x", r)
			case r >= 0xD800 && r <= 0xDBFF:
				if i+6 >= len(raw) || raw[i+1] != '\\' || raw[i+2] != 'u' {
					return fmt.Errorf("unpaired surrogate escape \\u%04x", r)
				}
				lo, ok := hex4(raw, i+3)
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return fmt.Errorf("unpaired surrogate escape \\u%04x", r)
				}
				i += 6
			}
		}
	}
	return nil
}

func hex4(raw []byte, at int) (rune, bool) {
	if at+4 > len(raw) {
		return 0, false
	}
	var r rune
	for _, c := range raw[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}
