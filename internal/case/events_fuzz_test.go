package cases

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/casemgr/casemgr/internal/apperr"
)

// FuzzEventData feeds arbitrary data objects to every event's validation:
// it must never panic; what it accepts holds only the event's own keys,
// with booleans, enumeration values or amounts — never free text.
func FuzzEventData(f *testing.F) {
	f.Add(uint8(0), []byte(`{"reason":"dismissal"}`))
	f.Add(uint8(7), []byte(`{"retains_trafficking":true}`))
	f.Add(uint8(32), []byte(`{"amount_eur":"111227.00"}`))
	f.Add(uint8(29), []byte(`{"offence":"theft","linked_to_exploitation":"yes"}`))
	f.Add(uint8(3), []byte(`{"x":1}`))
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) {
		def := &catalogue[int(which)%len(catalogue)]
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil || m == nil {
			return
		}
		out, err := normalizeData(def, m)
		if err != nil {
			if apperr.KindOf(err) != apperr.Invalid {
				t.Fatalf("got error kind %v, want invalid", apperr.KindOf(err))
			}
			return
		}
		for k, v := range out {
			var fd *field
			for i := range def.data {
				if def.data[i].name == k {
					fd = &def.data[i]
				}
			}
			if fd == nil {
				t.Fatalf("%s: accepted key %q", def.typ, k)
			}
			switch x := v.(type) {
			case bool:
				if fd.kind != "bool" {
					t.Fatalf("%s.%s: bool for kind %s", def.typ, k, fd.kind)
				}
			case string:
				if fd.kind == "enum" && !contains(fd.values, x) || fd.kind == "amount" && !amountPattern.MatchString(x) || fd.kind == "bool" {
					t.Fatalf("%s.%s: accepted %q", def.typ, k, x)
				}
			default:
				t.Fatalf("%s.%s: accepted a %T", def.typ, k, v)
			}
		}
	})
}
