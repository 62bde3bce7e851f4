package cases

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/casemgr/casemgr/internal/apperr"
)

// EventType names an event of docs/model.md "Events".
type EventType string

// The events of docs/model.md "Events", in the order of its table (allowed_events keeps
// this order).
const (
	StartReflection             EventType = "start_reflection"
	FileComplaint               EventType = "file_complaint"
	IssueProvisionalPermit      EventType = "issue_provisional_permit"
	ExtendProvisionalPermit     EventType = "extend_provisional_permit"
	ConfirmVictimStatus         EventType = "confirm_victim_status"
	RenewTemporaryPermit        EventType = "renew_temporary_permit"
	RecordProsecutorOpinion     EventType = "record_prosecutor_opinion"
	FileCharges                 EventType = "file_charges"
	RecordConviction            EventType = "record_conviction"
	RecordAcquittal             EventType = "record_acquittal"
	DismissCase                 EventType = "dismiss_case"
	SettleWithTrafficker        EventType = "settle_with_trafficker"
	RecordDiplomaticImmunity    EventType = "record_diplomatic_immunity"
	GrantIndefiniteStay         EventType = "grant_indefinite_stay"
	StartEUAssistance           EventType = "start_eu_assistance"
	DeclineCooperation          EventType = "decline_cooperation"
	WithdrawStatus              EventType = "withdraw_status"
	ApplyHumanitarianResidence  EventType = "apply_humanitarian_residence"
	ReturnHome                  EventType = "return_home"
	LoseContact                 EventType = "lose_contact"
	ResumeProcedure             EventType = "resume_procedure"
	CloseCase                   EventType = "close_case"
	ReopenCase                  EventType = "reopen_case"
	RecordContactWithTrafficker EventType = "record_contact_with_trafficker"
	EndContactWithTrafficker    EventType = "end_contact_with_trafficker"
	StopCooperating             EventType = "stop_cooperating"
	ResumeCooperating           EventType = "resume_cooperating"
	EndGuidance                 EventType = "end_guidance"
	ResumeGuidance              EventType = "resume_guidance"
	ProveIdentity               EventType = "prove_identity"
	NotifyGuardianship          EventType = "notify_guardianship"
	InformOfRights              EventType = "inform_of_rights"
	RecordPenalization          EventType = "record_penalization"
	InvokeNonPunishment         EventType = "invoke_non_punishment"
	ClaimCompensation           EventType = "claim_compensation"
	AwardCompensation           EventType = "award_compensation"
	GrantLegalAid               EventType = "grant_legal_aid"
	JoinAsCivilParty            EventType = "join_as_civil_party"
	ReportMissing               EventType = "report_missing"
	ReportFound                 EventType = "report_found"
)

// EventTypes returns every event, in the order of the table of docs/model.md "Events".
func EventTypes() []EventType {
	out := make([]EventType, len(catalogue))
	for i, d := range catalogue {
		out[i] = d.typ
	}
	return out
}

// field describes one key of an event's data object.
type field struct {
	name     string
	kind     string   // "enum", "bool", "amount"
	values   []string // for enum
	required bool
	def      string // for an optional enum: the value when absent
}

var eventIndex = func() map[EventType]int {
	m := make(map[EventType]int, len(catalogue))
	for i, d := range catalogue {
		m[d.typ] = i
	}
	return m
}()

func lookup(t EventType) (*eventDef, bool) {
	i, ok := eventIndex[t]
	if !ok {
		return nil, false
	}
	return &catalogue[i], true
}

var amountPattern = regexp.MustCompile(`^(0|[1-9][0-9]{0,11})\.[0-9]{2}$`)

// normalizeData checks an event's data object against its definition and
// returns it with defaults filled in (booleans default to false). Values
// are enumerations, booleans or decimal strings: never free text.
func normalizeData(def *eventDef, raw map[string]any) (map[string]any, error) {
	var f apperr.Fields
	out := map[string]any{}
	known := map[string]bool{}
	for _, fd := range def.data {
		known[fd.name] = true
		v, present := raw[fd.name]
		key := "data." + fd.name
		if !present || v == nil {
			switch {
			case fd.required:
				f.AddCode(key, apperr.CodeRequired, "required for %s%s", def.typ, enumHint(fd))
			case fd.kind == "bool":
				out[fd.name] = false
			case fd.def != "":
				out[fd.name] = fd.def
			}
			continue
		}
		switch fd.kind {
		case "bool":
			b, ok := v.(bool)
			if !ok {
				f.AddCode(key, apperr.CodeUnknownValue, "want true or false")
				continue
			}
			out[fd.name] = b
		case "enum":
			s, ok := v.(string)
			if !ok || !contains(fd.values, s) {
				f.AddCode(key, apperr.CodeUnknownValue, "want one of %s", strings.Join(fd.values, ", "))
				continue
			}
			out[fd.name] = s
		case "amount":
			s, ok := v.(string)
			if !ok || !amountPattern.MatchString(s) || strings.Trim(s, "0.") == "" {
				f.AddCode(key, apperr.CodeAmount, "want a positive amount in euros as a string with two decimals, such as \"111227.00\"")
				continue
			}
			out[fd.name] = s
		}
	}
	var unknown []string
	for k := range raw {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		if len(def.data) == 0 {
			f.Add("data."+k, "%s takes no data; remove this field", def.typ)
		} else {
			f.AddCode("data."+k, apperr.CodeUnknownValue, "unknown field for %s; accepted: %s", def.typ, dataNames(def))
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func enumHint(fd field) string {
	if fd.kind == "enum" {
		return ": one of " + strings.Join(fd.values, ", ")
	}
	return ""
}

func dataNames(def *eventDef) string {
	names := make([]string, len(def.data))
	for i, fd := range def.data {
		names[i] = fd.name
	}
	return strings.Join(names, ", ")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// describeEvents is used in error messages listing valid event types.
func describeEvents() string {
	names := make([]string, len(catalogue))
	for i, d := range catalogue {
		names[i] = string(d.typ)
	}
	return fmt.Sprintf("one of %s", strings.Join(names, ", "))
}

// DataField describes one key of an event's data object (docs/model.md
// "Events"), for forms and documentation: Kind is "enum" (one of Values),
// "bool" (default false) or "amount" (a positive decimal string with two
// places).
type DataField struct {
	Name     string
	Kind     string
	Values   []string
	Required bool
}

// EventData returns the data fields an event takes, in order; nil for an
// event that takes none or is unknown.
func EventData(t EventType) []DataField {
	def, ok := lookup(t)
	if !ok || len(def.data) == 0 {
		return nil
	}
	out := make([]DataField, len(def.data))
	for i, f := range def.data {
		out[i] = DataField{Name: f.name, Kind: f.kind, Values: append([]string(nil), f.values...), Required: f.required}
	}
	return out
}
