package audit

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestCanonicalize(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{
			// RFC 8785 section 3.2.3: keys sorted by UTF-16 code units.
			name: "RFC 8785 3.2.3 key sorting",
			in: map[string]any{
				"\u20ac":     "Euro Sign",
				"\r":         "Carriage Return",
				"\ufb33":     "Hebrew Letter Dalet With Dagesh",
				"1":          "One",
				"\U0001F600": "Emoji: Grinning Face",
				"\u0080":     "Control",
				"\u00f6":     "Latin Small Letter O With Diaeresis",
			},
			want: `{"\r":"Carriage Return","1":"One","` + "\u0080" + `":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","` + "\ufb33" + `":"Hebrew Letter Dalet With Dagesh"}`,
		},
		{
			// RFC 8785 section 3.2.2 example, without its (floating-point)
			// "numbers" member.
			name: "RFC 8785 3.2.2 literals and string",
			in: map[string]any{
				"literals": []any{nil, true, false},
				"string":   "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"/",
			},
			want: `{"literals":[null,true,false],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
		},
		{
			name: "control characters: short forms and lowercase \\u00xx",
			in:   "\x00\x01\x07\b\t\n\x0b\f\r\x0e\x1a\x1f\x7f",
			want: `"\u0000\u0001\u0007\b\t\n\u000b\f\r\u000e\u001a\u001f` + "\x7f\"",
		},
		{
			name: "quote and backslash escaped, slash and non-ASCII not",
			in:   `a"b\c/d é € 😀 ` + "\u2028\u2029",
			want: `"a\"b\\c/d é € 😀 ` + "\u2028\u2029\"",
		},
		{
			name: "HTML characters are not escaped",
			in:   "<a href='x'>&</a>",
			want: `"<a href='x'>&</a>"`,
		},
		{name: "null", in: nil, want: `null`},
		{name: "true", in: true, want: `true`},
		{name: "false", in: false, want: `false`},
		{name: "empty string", in: "", want: `""`},
		{name: "int zero", in: 0, want: `0`},
		{name: "negative int", in: -42, want: `-42`},
		{name: "int8", in: int8(-128), want: `-128`},
		{name: "uint16", in: uint16(65535), want: `65535`},
		{name: "int64 max safe", in: int64(9007199254740991), want: `9007199254740991`},
		{name: "int64 min safe", in: int64(-9007199254740991), want: `-9007199254740991`},
		{name: "uint64 max safe", in: uint64(9007199254740991), want: `9007199254740991`},
		{name: "json.Number integer", in: json.Number("1234567890"), want: `1234567890`},
		{name: "json.Number minus zero", in: json.Number("-0"), want: `0`},
		{name: "json.Number negative", in: json.Number("-17"), want: `-17`},
		{name: "nil map", in: map[string]any(nil), want: `{}`},
		{name: "empty map", in: map[string]any{}, want: `{}`},
		{name: "nil []any", in: []any(nil), want: `[]`},
		{name: "nil []string", in: []string(nil), want: `[]`},
		{name: "[]string", in: []string{"b", "a", "\n"}, want: `["b","a","\n"]`},
		{
			name: "nested objects and arrays",
			in: map[string]any{
				"z": map[string]any{"b": []any{1, "x", map[string]any{"d": false, "c": nil}}, "a": []string{}},
				"a": []any{[]any{}, map[string]any{}},
				"m": int64(7),
			},
			want: `{"a":[[],{}],"m":7,"z":{"a":[],"b":[1,"x",{"c":null,"d":false}]}}`,
		},
		{
			name: "keys sorted by code units, not by length",
			in:   map[string]any{"aa": 1, "a": 2, "b": 3, "B": 4, "_": 5, "a_b": 6, "ab": 7},
			want: `{"B":4,"_":5,"a":2,"a_b":6,"aa":1,"ab":7,"b":3}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Canonicalize(tc.in)
			if err != nil {
				t.Fatalf("Canonicalize: got error %v, want nil", err)
			}
			if string(got) != tc.want {
				t.Errorf("Canonicalize:\ngot  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestCanonicalizeRFC8785SortOrderBytes(t *testing.T) {
	// The RFC lists the sorted keys as UTF-16 code units; check the order of
	// the keys in our output directly.
	in := map[string]any{"\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\U0001F600": 5, "\u0080": 6, "\u00f6": 7}
	b, err := Canonicalize(in)
	if err != nil {
		t.Fatalf("Canonicalize: got error %v, want nil", err)
	}
	var order []string
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.Token() // {
	for dec.More() {
		k, _ := dec.Token()
		dec.Token()
		order = append(order, k.(string))
	}
	want := []string{"\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001F600", "\ufb33"}
	if !reflect.DeepEqual(order, want) {
		t.Errorf("key order: got %+q, want %+q", order, want)
	}
}

func TestCanonicalizeRejects(t *testing.T) {
	tests := []struct {
		name    string
		in      any
		wantErr string
	}{
		{name: "float64", in: 1.5, wantErr: "floating-point"},
		{name: "integral float64", in: float64(2), wantErr: "floating-point"},
		{name: "float32", in: float32(1), wantErr: "floating-point"},
		{name: "float nested in map", in: map[string]any{"a": []any{0.1}}, wantErr: `key "a": index 0: floating-point`},
		{name: "json.Number with fraction", in: json.Number("1.0"), wantErr: "only integers"},
		{name: "json.Number with exponent", in: json.Number("1e2"), wantErr: "only integers"},
		{name: "json.Number with leading zero", in: json.Number("01"), wantErr: "only integers"},
		{name: "json.Number garbage", in: json.Number("abc"), wantErr: "only integers"},
		{name: "json.Number empty", in: json.Number(""), wantErr: "only integers"},
		{name: "json.Number beyond 2^53-1", in: json.Number("9007199254740992"), wantErr: "outside"},
		{name: "json.Number beyond int64", in: json.Number("99999999999999999999"), wantErr: "outside"},
		{name: "int64 beyond 2^53-1", in: int64(1 << 53), wantErr: "outside"},
		{name: "negative int64 beyond 2^53-1", in: int64(-(1 << 53)), wantErr: "outside"},
		{name: "uint64 beyond 2^53-1", in: uint64(1 << 60), wantErr: "outside"},
		{name: "invalid UTF-8 string", in: "a\xffb", wantErr: "UTF-8"},
		{name: "invalid UTF-8 key", in: map[string]any{"\xc3": 1}, wantErr: "UTF-8"},
		{name: "encoded surrogate", in: "\xed\xa0\x80", wantErr: "UTF-8"},
		{name: "invalid UTF-8 in []string", in: []string{"ok", "\xff"}, wantErr: "index 1"},
		{name: "unsupported type", in: struct{}{}, wantErr: "unsupported type"},
		{name: "map[string]string is not a listed kind", in: map[string]string{}, wantErr: "unsupported type"},
		{name: "too deep", in: nest(maxDepth + 1), wantErr: "nesting deeper"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Canonicalize(tc.in)
			if err == nil {
				t.Fatalf("Canonicalize: got %s, want an error containing %q", got, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Canonicalize: got error %q, want it to contain %q", err, tc.wantErr)
			}
		})
	}
	if _, err := Canonicalize(nest(maxDepth)); err != nil {
		t.Errorf("Canonicalize(%d levels): got error %v, want nil", maxDepth, err)
	}
}

// nest returns n levels of nested objects: {"a":{"a":…{}}}.
func nest(n int) any {
	var v any = map[string]any{}
	for i := 1; i < n; i++ {
		v = map[string]any{"a": v}
	}
	return v
}

func TestCompareUTF16(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want int
	}{
		{name: "equal", a: "abc", b: "abc", want: 0},
		{name: "prefix first", a: "ab", b: "abc", want: -1},
		{name: "ascii", a: "b", b: "a", want: 1},
		{name: "astral before U+E000..U+FFFF", a: "\U0001F600", b: "\ufb33", want: -1},
		{name: "astral after U+D7FF", a: "\U0001F600", b: "\ud7ff", want: 1},
		{name: "BMP by code point", a: "\u00f6", b: "\u20ac", want: -1},
		{name: "two astral", a: "\U0001F600", b: "\U0001F601", want: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := compareUTF16(tc.a, tc.b)
			if sign(got) != tc.want {
				t.Errorf("compareUTF16(%+q, %+q): got %d, want sign %d", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestCanonicalData(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "empty input", in: "", want: `{}`},
		{name: "whitespace only", in: " \n\t\r ", want: `{}`},
		{name: "empty object", in: `{ }`, want: `{}`},
		{name: "reordered and spaced", in: "{ \"b\" : true ,\n \"a\" : [ 1 , -2 ] }", want: `{"a":[1,-2],"b":true}`},
		{name: "escapes normalised", in: `{"s":"\u00e9\/\u001F\u0041\ud83d\ude00"}`, want: `{"s":"é/\u001fA😀"}`},
		{name: "minus zero", in: `{"n":-0}`, want: `{"n":0}`},
		{name: "max safe integer", in: `{"n":9007199254740991}`, want: `{"n":9007199254740991}`},
		{name: "decimal string money", in: `{"amount_eur":"111227.00"}`, want: `{"amount_eur":"111227.00"}`},
		{name: "nested", in: `{"x":{"z":null,"y":[{"b":1,"a":2}]}}`, want: `{"x":{"y":[{"a":2,"b":1}],"z":null}}`},
		{name: "already canonical", in: `{"changed":["gender","nationality"]}`, want: `{"changed":["gender","nationality"]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CanonicalData([]byte(tc.in))
			if err != nil {
				t.Fatalf("CanonicalData(%q): got error %v, want nil", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("CanonicalData(%q): got %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestCanonicalDataRejects(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{name: "null", in: `null`, wantErr: "got null, want a JSON object"},
		{name: "array", in: `[]`, wantErr: "got an array"},
		{name: "string", in: `"x"`, wantErr: "got a string"},
		{name: "number", in: `1`, wantErr: "got a number"},
		{name: "float", in: `{"a":1.5}`, wantErr: "only integers"},
		{name: "integral float", in: `{"a":2.0}`, wantErr: "only integers"},
		{name: "exponent", in: `{"a":1e3}`, wantErr: "only integers"},
		{name: "big integer", in: `{"a":9007199254740992}`, wantErr: "outside"},
		{name: "invalid UTF-8", in: "{\"a\":\"\xff\"}", wantErr: "UTF-8"},
		{name: "lone high surrogate", in: `{"a":"\ud800"}`, wantErr: "surrogate"},
		{name: "lone low surrogate", in: `{"a":"\udc00x"}`, wantErr: "surrogate"},
		{name: "high surrogate then letter", in: `{"a":"\ud83dx\ude00"}`, wantErr: "surrogate"},
		{name: "surrogate in key", in: `{"\udfff":1}`, wantErr: "surrogate"},
		{name: "duplicate key", in: `{"a":1,"a":2}`, wantErr: `duplicate key "a"`},
		{name: "nested duplicate key", in: `{"a":{"b":1,"b":1}}`, wantErr: `duplicate key "b"`},
		{name: "trailing comma in object", in: `{"a":1,}`, wantErr: "invalid"},
		{name: "trailing comma in array", in: `{"a":[1,]}`, wantErr: "invalid"},
		{name: "missing colon", in: `{"a" 1}`, wantErr: "invalid"},
		{name: "non-string key", in: `{1:2}`, wantErr: "invalid"},
		{name: "trailing data", in: `{"a":1} {}`, wantErr: "trailing data"},
		{name: "trailing garbage", in: `{"a":1}x`, wantErr: ""},
		{name: "unterminated", in: `{"a":1`, wantErr: ""},
		{name: "too deep", in: strings.Repeat(`{"a":`, maxDepth+1) + "1" + strings.Repeat("}", maxDepth+1), wantErr: "nesting deeper"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CanonicalData([]byte(tc.in))
			if err == nil {
				t.Fatalf("CanonicalData(%q): got %s, want an error containing %q", tc.in, got, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("CanonicalData(%q): got error %q, want it to contain %q", tc.in, err, tc.wantErr)
			}
		})
	}
}

func TestDataOf(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]any
		want string
	}{
		{name: "nil", in: nil, want: `{}`},
		{name: "empty", in: map[string]any{}, want: `{}`},
		{name: "withdraw_status", in: map[string]any{"reason": "contact_with_trafficker"}, want: `{"reason":"contact_with_trafficker"}`},
		{
			name: "mixed kinds",
			in: map[string]any{
				"retains_trafficking": true, "amount_eur": "111227.00", "count": 3,
				"days": int64(-45), "changed": []string{"nationality", "gender"},
			},
			want: `{"amount_eur":"111227.00","changed":["nationality","gender"],"count":3,"days":-45,"retains_trafficking":true}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DataOf(tc.in)
			if err != nil {
				t.Fatalf("DataOf: got error %v, want nil", err)
			}
			if got != tc.want {
				t.Errorf("DataOf: got %s, want %s", got, tc.want)
			}
		})
	}
	if got, err := DataOf(map[string]any{"x": 0.5}); err == nil {
		t.Errorf("DataOf(float): got %s, want an error", got)
	}
}

func FuzzCanonicalData(f *testing.F) {
	seeds := []string{
		``, `{}`, `null`, `[]`, `{"a":1}`, `{"b":[true,false,null],"a":"x"}`,
		`{"\u20ac":1,"\r":2,"\ufb33":3,"1":4,"\ud83d\ude00":5,"\u0080":6,"\u00f6":7}`,
		`{"s":"\u001f\b\t\n\f\r\"\\/"}`, `{"n":-0}`, `{"n":1.5}`, `{"n":1e2}`,
		`{"a":{"b":{"c":[1,[2,[3]]]}}}`, `{"a":"\ud800"}`, `{"a":1,"a":2}`,
		"{\"a\":\"\xff\"}", `{"amount_eur":"111227.00","changed":["gender"]}`,
		`{"a":9007199254740991}`, `{"a":-9007199254740992}`, ` { } `, `{"a":1}{}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := CanonicalData(raw)
		if err != nil {
			return
		}
		again, err := CanonicalData([]byte(out))
		if err != nil {
			t.Fatalf("CanonicalData(%q) = %q, which it then rejects: %v", raw, out, err)
		}
		if again != out {
			t.Fatalf("CanonicalData not idempotent for %q: got %q, want %q", raw, again, out)
		}
		if !strings.HasPrefix(out, "{") || !json.Valid([]byte(out)) {
			t.Fatalf("CanonicalData(%q): got %q, want a valid JSON object", raw, out)
		}
		// The canonical form means the same as the input.
		var in, canon any
		if len(strings.Trim(string(raw), " \t\r\n")) == 0 {
			raw = []byte("{}")
		}
		if err := json.Unmarshal(raw, &in); err != nil {
			t.Fatalf("encoding/json rejects input %q that CanonicalData accepted: %v", raw, err)
		}
		if err := json.Unmarshal([]byte(out), &canon); err != nil {
			t.Fatalf("encoding/json rejects output %q: %v", out, err)
		}
		if !reflect.DeepEqual(in, canon) {
			t.Fatalf("CanonicalData(%q) = %q: got value %#v, want %#v", raw, out, canon, in)
		}
	})
}
