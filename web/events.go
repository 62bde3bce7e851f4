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

// knownEvent reports whether t is an event of nrm.md.
func knownEvent(t string) bool {
	for _, e := range cases.EventTypes() {
		if string(e) == t {
			return true
		}
	}
	return false
}

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

// normalizeAmount accepts a decimal comma (1234,50) and a missing cents
// part (1234), as people type amounts in Belgium, and gives the service
// the form it wants (1234.50).
func normalizeAmount(s string) string {
	s = strings.ReplaceAll(s, " ", "")
	if !strings.Contains(s, ".") && strings.Count(s, ",") == 1 {
		s = strings.Replace(s, ",", ".", 1)
	}
	if !strings.Contains(s, ".") && s != "" {
		s += ".00"
	}
	return s
}
