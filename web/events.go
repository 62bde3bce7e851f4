package web

import (
	"net/url"
	"strconv"
	"strings"

	cases "github.com/casemgr/casemgr/internal/case"
)

// dataField is one key of an event's data object (nrm.md "Events"), as the
// forms show it: enumerations as a <select>, booleans as a checkbox,
// amounts as text. The service checks the values again; a test keeps this
// table in step with it.
type dataField struct {
	Name     string
	Kind     string // "enum", "bool" or "amount"
	Values   []string
	Required bool
}

// eventFields returns the data fields of an event type, in order.
func eventFields(t string) []dataField {
	switch cases.EventType(t) {
	case cases.RecordProsecutorOpinion:
		return []dataField{{Name: "opinion", Kind: "enum", Required: true,
			Values: []string{"victim_confirmed", "unclear", "not_victim", "not_trafficking"}}}
	case cases.FileCharges:
		return []dataField{{Name: "retains_trafficking", Kind: "bool"}}
	case cases.WithdrawStatus:
		return []dataField{{Name: "reason", Kind: "enum", Required: true,
			Values: []string{"contact_with_trafficker", "stopped_cooperating", "prosecutor_opinion", "dismissal",
				"settlement", "diplomatic_immunity", "acquittal", "public_order", "fraud", "other"}}}
	case cases.CloseCase:
		return []dataField{{Name: "reason", Kind: "enum", Required: true,
			Values: []string{"victim_request", "returned", "moved_shelter", "indefinite_stay_settled", "no_contact",
				"deceased", "other"}}}
	case cases.RecordPenalization:
		return []dataField{
			{Name: "offence", Kind: "enum", Required: true,
				Values: []string{"theft", "drugs", "document_fraud", "immigration", "prostitution_related", "begging", "other"}},
			{Name: "linked_to_exploitation", Kind: "bool"}}
	case cases.ClaimCompensation:
		return []dataField{
			{Name: "route", Kind: "enum", Required: true, Values: []string{"court", "fund"}},
			{Name: "physical_violence_documented", Kind: "bool"}}
	case cases.AwardCompensation:
		return []dataField{{Name: "amount_eur", Kind: "amount", Required: true}}
	}
	return nil
}

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
