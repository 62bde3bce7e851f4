package web

import (
	"net/url"
	"strconv"
	"strings"

	cases "github.com/casemgr/casemgr/internal/case"
)

// dataField is one key of an event's data object, as the forms show it:
// enumerations as a <select>, booleans as a checkbox, amounts as text.
type dataField = cases.DataField

// eventFields returns the data fields of an event type, in order, from the
// service's own event table.
func eventFields(t string) []dataField { return cases.EventData(cases.EventType(t)) }

// eventInput reads an event form: type, occurred_on, note, version and the
// data fields of the type (form names data.<name>).
func eventInput(form url.Values) cases.EventInput {
	in := cases.EventInput{Type: form.Get("type"), OccurredOn: strings.TrimSpace(form.Get("occurred_on")),
		Note: strings.TrimSpace(form.Get("note"))}
	if v, err := strconv.Atoi(form.Get("version")); err == nil {
		in.Version = &v
	}
	fields := eventFields(in.Type)
	if len(fields) > 0 {
		in.Data = map[string]any{}
	}
	for _, fd := range fields {
		raw := strings.TrimSpace(form.Get("data." + fd.Name))
		switch fd.Kind {
		case "bool":
			in.Data[fd.Name] = raw != ""
		case "amount":
			if raw != "" {
				in.Data[fd.Name] = normalizeAmount(raw)
			}
		default:
			if raw != "" {
				in.Data[fd.Name] = raw
			}
		}
	}
	return in
}

// normalizeAmount accepts a decimal comma (1234,50), a missing cents part
// (1234) and a single decimal (1234,5), as people type amounts in Belgium
// and as the form's pattern allows, and gives the service the form it
// wants: exactly two decimals (1234.50). Anything else is passed on as it
// is, for the service to refuse.
func normalizeAmount(s string) string {
	s = strings.ReplaceAll(s, " ", "")
	if !strings.Contains(s, ".") && strings.Count(s, ",") == 1 {
		s = strings.Replace(s, ",", ".", 1)
	}
	if s == "" {
		return s
	}
	switch i := strings.IndexByte(s, '.'); {
	case i < 0:
		s += ".00"
	case i == len(s)-2:
		s += "0"
	}
	return s
}
