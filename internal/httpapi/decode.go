package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// readBody reads the request body up to limit bytes: a larger body is
// TooLarge, an empty or syntactically broken one Malformed.
func readBody(c echo.Context, limit int64) ([]byte, error) {
	r := c.Request()
	if r.ContentLength > limit {
		return nil, apperr.New(apperr.TooLarge, "request body is over %d bytes", limit)
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, apperr.New(apperr.Malformed, "could not read the request body")
	}
	if int64(len(b)) > limit {
		return nil, apperr.New(apperr.TooLarge, "request body is over %d bytes", limit)
	}
	return b, nil
}

// object is a decoded JSON object whose members are decoded one by one, so
// that each problem names its field.
type object struct {
	prefix  string
	members map[string]json.RawMessage
	errs    *apperr.Fields
}

// parseObject checks that body is well-formed JSON (else Malformed), that it
// is an object, and that it has no member outside allowed (each unknown
// member is a field error).
func parseObject(body []byte, allowed ...string) (object, *apperr.Fields, error) {
	errs := &apperr.Fields{}
	if len(bytes.TrimSpace(body)) == 0 {
		return object{}, errs, apperr.New(apperr.Malformed, "the request body is empty: send a JSON object")
	}
	if !json.Valid(body) {
		return object{}, errs, apperr.New(apperr.Malformed, "the request body is not well-formed JSON: %s", syntaxHint(body))
	}
	o := object{errs: errs}
	if err := json.Unmarshal(body, &o.members); err != nil || o.members == nil {
		return object{}, errs, apperr.Field("", "the request body must be a JSON object")
	}
	if path := duplicateKey(body); path != "" {
		return object{}, errs, apperr.Field(path, "appears more than once; give each field once")
	}
	o.checkKnown(allowed)
	return o, errs, nil
}

// duplicateKey returns the path of the first member name repeated within
// one object, or "". Go's decoder would silently keep the last one, so
// {"username":"a","username":"b"} could mean different things to
// different readers. The path joins the names of the enclosing members
// ("victim.given_name"); array elements add no name ("data.x.k").
func duplicateKey(body []byte) string {
	// frame is one open object or array.
	type frame struct {
		object    bool            // an object, else an array
		expectKey bool            // (objects) the next token is a member name or '}'
		keys      map[string]bool // (objects) the member names seen so far
		key       string          // (objects) the name of the member being read
		name      string          // the member name this container is the value of; "" for array elements and the top
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var stack []*frame
	path := func(k string) string {
		var parts []string
		for _, f := range stack {
			if f.name != "" {
				parts = append(parts, f.name)
			}
		}
		return strings.Join(append(parts, k), ".")
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.expectKey && tok != json.Delim('}') {
			k, _ := tok.(string) // the decoder accepts only a string here
			if top.keys[k] {
				return path(k)
			}
			top.keys[k] = true
			top.key = k
			top.expectKey = false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			f := &frame{object: tok == json.Delim('{')}
			if f.object {
				f.expectKey, f.keys = true, map[string]bool{}
			}
			if top != nil && top.object {
				f.name = top.key
			}
			stack = append(stack, f)
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value has ended (a scalar, or the container just closed): in
		// an object, a member name comes next.
		if len(stack) == 0 {
			return ""
		}
		if parent := stack[len(stack)-1]; parent.object {
			parent.expectKey = true
		}
	}
}

func syntaxHint(body []byte) string {
	var v any
	err := json.Unmarshal(body, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s at byte %d", se.Error(), se.Offset)
	}
	if err != nil {
		return err.Error()
	}
	return "invalid JSON"
}

func (o object) name(key string) string {
	if o.prefix == "" {
		return key
	}
	return o.prefix + "." + key
}

func (o object) checkKnown(allowed []string) {
	var unknown []string
	for k := range o.members {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		o.errs.Add(o.name(k), "unknown or read-only field; accepted here: %s", strings.Join(allowed, ", "))
	}
}

func (o object) has(key string) bool {
	v, ok := o.members[key]
	return ok && string(bytes.TrimSpace(v)) != "null"
}

func (o object) str(key string) string {
	p := o.strPtr(key)
	if p == nil {
		return ""
	}
	return *p
}

func (o object) strPtr(key string) *string {
	if !o.has(key) {
		return nil
	}
	var s string
	if err := json.Unmarshal(o.members[key], &s); err != nil {
		o.errs.Add(o.name(key), "want a string")
		return nil
	}
	// encoding/json replaces invalid UTF-8 with U+FFFD: what was sent is
	// not what would be stored, so refuse it instead.
	if !utf8.Valid(o.members[key]) {
		o.errs.Add(o.name(key), "must be valid UTF-8 text")
		return nil
	}
	return &s
}

func (o object) boolean(key string) bool {
	p := o.boolPtr(key)
	return p != nil && *p
}

func (o object) boolPtr(key string) *bool {
	if !o.has(key) {
		return nil
	}
	var b bool
	if err := json.Unmarshal(o.members[key], &b); err != nil {
		o.errs.Add(o.name(key), "want true or false")
		return nil
	}
	return &b
}

func (o object) intPtr(key string) *int {
	if !o.has(key) {
		return nil
	}
	var n int
	if err := json.Unmarshal(o.members[key], &n); err != nil {
		o.errs.Add(o.name(key), "want an integer")
		return nil
	}
	return &n
}

func (o object) strings(key string) []string {
	if !o.has(key) {
		return nil
	}
	var out []string
	if err := json.Unmarshal(o.members[key], &out); err != nil {
		o.errs.Add(o.name(key), "want an array of strings")
		return nil
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// child decodes a nested object member.
func (o object) child(key string, allowed ...string) (object, bool) {
	c := object{prefix: o.name(key), errs: o.errs}
	if !o.has(key) {
		return c, false
	}
	if err := json.Unmarshal(o.members[key], &c.members); err != nil || c.members == nil {
		o.errs.Add(o.name(key), "want a JSON object")
		return c, false
	}
	c.checkKnown(allowed)
	return c, true
}

// anyMap decodes a nested object into plain values (numbers as json.Number).
func (o object) anyMap(key string) map[string]any {
	if !o.has(key) {
		return map[string]any{}
	}
	dec := json.NewDecoder(bytes.NewReader(o.members[key]))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		o.errs.Add(o.name(key), "want a JSON object")
		return map[string]any{}
	}
	return m
}

// queryDate parses an optional YYYY-MM-DD query parameter.
func queryDate(c echo.Context, name string, f *apperr.Fields) eligibility.Date {
	v := c.QueryParam(name)
	if v == "" {
		return eligibility.Date{}
	}
	d, err := eligibility.ParseDate(v)
	if err != nil {
		f.Add(name, "want a date as YYYY-MM-DD: %v", err)
	}
	return d
}

// queryInt parses an optional integer query parameter.
func queryInt(c echo.Context, name string, def int, f *apperr.Fields) int {
	v := c.QueryParam(name)
	if v == "" {
		return def
	}
	var n int
	if _, err := fmt.Sscanf(v, "%d", &n); err != nil || fmt.Sprint(n) != v {
		f.Add(name, "want an integer")
		return def
	}
	return n
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	return enc.Encode(v)
}

// writeEncoded answers with status and b, JSON already encoded as
// jsonEncode would write it.
func writeEncoded(c echo.Context, status int, b []byte) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	c.Response().WriteHeader(status)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	_, err := c.Response().Write(b)
	return err
}

// writeJSON answers with status and v as JSON.
func writeJSON(c echo.Context, status int, v any) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(status)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	return jsonEncode(c.Response(), v)
}
