package web_test

import (
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/apperr"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/web"
)

// TestEventFieldsMatchService keeps the forms' table of event data in step
// with the case service: for every event, every value the form offers is
// accepted, a required field left out is refused, and a field the form
// does not know is refused. Simulate checks the data without writing.
func TestEventFieldsMatchService(t *testing.T) {
	e := newEnv(t)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	ana := e.actors["ana"]
	dataErrors := func(in cases.EventInput) []string {
		_, err := e.Cases.Simulate(t.Context(), ana, c.ID, in)
		var out []string
		if ae, ok := apperr.As(err); ok {
			for _, f := range ae.Fields {
				if strings.HasPrefix(f.Field, "data.") {
					out = append(out, f.Field)
				}
			}
		}
		return out
	}
	for _, typ := range cases.EventTypes() {
		t.Run(string(typ), func(t *testing.T) {
			fields := web.EventFieldsForTest(string(typ))
			base := func() map[string]any {
				m := map[string]any{}
				for _, f := range fields {
					m[f.Name] = sample(f)
				}
				return m
			}
			in := cases.EventInput{Type: string(typ), OccurredOn: "2025-06-15", Data: base()}
			if errs := dataErrors(in); len(errs) > 0 {
				t.Fatalf("the form's data is refused: %v", errs)
			}
			for _, f := range fields {
				for _, v := range f.Values {
					d := base()
					d[f.Name] = v
					if errs := dataErrors(cases.EventInput{Type: string(typ), OccurredOn: "2025-06-15", Data: d}); len(errs) > 0 {
						t.Fatalf("%s=%s is refused: %v", f.Name, v, errs)
					}
				}
				if f.Required {
					d := base()
					delete(d, f.Name)
					errs := dataErrors(cases.EventInput{Type: string(typ), OccurredOn: "2025-06-15", Data: d})
					if len(errs) != 1 || errs[0] != "data."+f.Name {
						t.Fatalf("without %s: got errors %v, want data.%s", f.Name, errs, f.Name)
					}
				}
			}
			d := base()
			d["unexpected"] = true
			if errs := dataErrors(cases.EventInput{Type: string(typ), OccurredOn: "2025-06-15", Data: d}); len(errs) != 1 || errs[0] != "data.unexpected" {
				t.Fatalf("an unknown field: got errors %v, want data.unexpected (the service has fields the form lacks?)", errs)
			}
		})
	}
}

func sample(f web.DataFieldForTest) any {
	switch f.Kind {
	case "bool":
		return true
	case "amount":
		return "1250.00"
	}
	return f.Values[0]
}
