package httpapi

import (
	"testing"

	"github.com/casemgr/casemgr/internal/apperr"
)

// FuzzParseObject feeds arbitrary bodies to the strict decoder of the case
// and event endpoints: it must never panic, must classify every failure as
// Malformed or Invalid, and a body it accepts has only allowed members.
func FuzzParseObject(f *testing.F) {
	seeds := []string{
		`{"type":"start_reflection","occurred_on":"2025-01-01","data":{}}`,
		`{"victim":{"given_name":"A","family_name":"B"},"exploitation":["labour"]}`,
		`{"version":"7"}`, `{"data":[1,2]}`, `[]`, `null`, `{`, `{"a":1}{"b":2}`, "\xff", `{"note":"\u0000"}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	allowed := []string{"type", "occurred_on", "note", "data", "version", "victim", "exploitation"}
	f.Fuzz(func(t *testing.T, body []byte) {
		o, fields, err := parseObject(body, allowed...)
		if err != nil {
			if k := apperr.KindOf(err); k != apperr.Malformed && k != apperr.Invalid {
				t.Fatalf("got error kind %v, want malformed or invalid", k)
			}
			return
		}
		_ = o.str("type")
		_ = o.strPtr("occurred_on")
		_ = o.intPtr("version")
		_ = o.anyMap("data")
		_ = o.strings("exploitation")
		if v, ok := o.child("victim", "given_name"); ok {
			_ = v.str("given_name")
		}
		if len(*fields) == 0 {
			for k := range o.members {
				found := false
				for _, a := range allowed {
					found = found || a == k
				}
				if !found {
					t.Fatalf("accepted unknown member %q", k)
				}
			}
		}
	})
}
