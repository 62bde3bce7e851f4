package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestDuplicateKey(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"distinct", `{"a":1,"b":2}`, ""},
		{"repeated", `{"a":1,"a":2}`, "a"},
		{"repeated in a nested object", `{"victim":{"given_name":"x","given_name":"y"}}`, "victim.given_name"},
		{"same name in sibling objects of an array", `{"data":{"x":[{"k":1},{"k":2}]},"note":"n"}`, ""},
		{"repeated in an object in an array", `{"data":{"x":[{"k":1,"k":2}]}}`, "data.x.k"},
		{"same name in parent and child", `{"a":{"b":1},"b":{"b":2}}`, ""},
		{"repeated after an array", `{"a":[1,2,{"c":{}}],"a":3}`, "a"},
		{"repeated after an empty object", `{"type":"start_reflection","data":{},"occurred_on":"2025-06-02","type":"prove_identity"}`, "type"},
		{"value equal to a later key after an empty object", `{"type":"start_reflection","data":{},"occurred_on":"2025-06-02","note":"2025-06-02"}`, ""},
		{"repeated after a non-empty object", `{"a":{"x":1},"b":2,"a":3}`, "a"},
		{"value that looks like a key after an object", `{"a":{"x":1},"b":"c","c":1}`, ""},
		{"repeated after an array of objects", `{"a":[{"x":1},{"y":2}],"b":1,"b":2}`, "b"},
		{"distinct after an array of objects", `{"a":[{"x":1},{"x":2}],"b":"x","x":1}`, ""},
		{"repeated in the second object of an array", `{"a":[{"x":1},{"y":1,"y":2}]}`, "a.y"},
		{"repeated after objects in arrays in objects", `{"a":{"b":[{"c":{}},{"d":[{}]}],"e":1,"e":2}}`, "a.e"},
		{"distinct after objects in arrays in objects", `{"a":{"b":[{"c":{}},{"d":[{}]}],"e":"d"},"d":1}`, ""},
		{"repeated in an object after a closed sibling", `{"a":{"b":{},"c":1,"c":2}}`, "a.c"},
		{"repeated at the top after deep nesting", `{"a":{"b":{"c":{}}},"z":1,"z":2}`, "z"},
		{"objects in a top-level array", `[{"a":1},{"a":1,"b":{},"a":2}]`, "a"},
		{"distinct objects in a top-level array", `[{"a":{}},{"a":{}}]`, ""},
		{"scalar", `"a"`, ""},
		{"empty object", `{}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := duplicateKey([]byte(tt.body)); got != tt.want {
				t.Errorf("duplicateKey(%s): got %q, want %q", tt.body, got, tt.want)
			}
			if got := referenceDuplicateKey([]byte(tt.body)); got != tt.want {
				t.Errorf("referenceDuplicateKey(%s): got %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

// duplicateKeySeeds are bodies for FuzzDuplicateKey: the table's, and a
// few shapes the table has not.
var duplicateKeySeeds = []string{
	`{"a":1,"a":2}`, `{"type":"start_reflection","data":{},"occurred_on":"2025-06-02","type":"prove_identity"}`,
	`{"type":"start_reflection","data":{},"occurred_on":"2025-06-02","note":"2025-06-02"}`,
	`{"a":[{"x":1},{"y":1,"y":2}]}`, `{"a":{"b":[{"c":{}},{"d":[{}]}],"e":1,"e":2}}`,
	`[[],[{}],{"a":[[{"a":1}]],"b":{"a":{"a":{}}}}]`, `{"\u0061":1,"a":2}`, `{"":1,"":{}}`, `null`, `{"a":1}{"a":2}`,
}

// FuzzDuplicateKey checks duplicateKey against referenceDuplicateKey on
// every well-formed body: both must name the same first repeated member.
func FuzzDuplicateKey(f *testing.F) {
	for _, s := range duplicateKeySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) {
			_ = duplicateKey(body) // must not panic; parseObject never asks
			return
		}
		if got, want := duplicateKey(body), referenceDuplicateKey(body); got != want {
			t.Fatalf("duplicateKey(%s): got %q, want %q (the reference)", body, got, want)
		}
	})
}

// referenceDuplicateKey is duplicateKey written another way, for the fuzz
// target: each value is cut out as a json.RawMessage and walked
// recursively, each object with its own set of names, so no state is
// carried from one token to the next. (Decoding into map[string]any cannot
// serve: it keeps only the last of repeated names.) It returns "" for a
// body that is not one well-formed JSON value.
func referenceDuplicateKey(body []byte) string {
	if !json.Valid(body) {
		return ""
	}
	return referenceDuplicateIn(body, "")
}

func referenceDuplicateIn(v json.RawMessage, path string) string {
	dec := json.NewDecoder(bytes.NewReader(v))
	tok, err := dec.Token()
	if err != nil {
		return ""
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return ""
			}
			k, _ := kt.(string)
			name := k
			if path != "" {
				name = path + "." + k
			}
			if seen[k] {
				return name
			}
			seen[k] = true
			var member json.RawMessage
			if err := dec.Decode(&member); err != nil {
				return ""
			}
			if p := referenceDuplicateIn(member, name); p != "" {
				return p
			}
		}
	case json.Delim('['):
		for dec.More() {
			var elem json.RawMessage
			if err := dec.Decode(&elem); err != nil {
				return ""
			}
			if p := referenceDuplicateIn(elem, path); p != "" { // array elements add no name
				return p
			}
		}
	}
	return ""
}
