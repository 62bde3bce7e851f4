package report

import (
	"encoding/json"
	"strconv"
)

// Hidden markers of a suppressed count (small-cell protection).
const (
	// HiddenComplement marks a count at or above the threshold that is hidden
	// so that a small count in the same breakdown cannot be recovered by
	// subtraction (complementary suppression).
	HiddenComplement = "x"
)

// Count is one published figure. N is the value; when Hidden is set the
// figure is suppressed, N is zero and Hidden is what is shown instead:
// "<5" (below the threshold, here 5) or "x" (complementary suppression).
type Count struct {
	N      int
	Hidden string
}

// Shown returns the figure as published: the number, or its hidden marker.
func (c Count) Shown() string {
	if c.Hidden != "" {
		return c.Hidden
	}
	return strconv.Itoa(c.N)
}

// MarshalJSON writes the number, or the hidden marker as a JSON string
// ("<5" as is: the markers need no escaping and are not HTML-escaped).
func (c Count) MarshalJSON() ([]byte, error) {
	if c.Hidden != "" {
		for _, r := range c.Hidden {
			if r < 0x20 || r == '"' || r == '\\' || r > 0x7e {
				return json.Marshal(c.Hidden)
			}
		}
		return []byte(`"` + c.Hidden + `"`), nil
	}
	return strconv.AppendInt(nil, int64(c.N), 10), nil
}

// Cell is one category of a breakdown and its count.
type Cell struct {
	Key   string `json:"key"`
	Count Count  `json:"count"`
}

// Margin is a breakdown of one population into categories. In a partition
// (gender, age group, citizenship, region, withdrawal reason) the cells add
// up to Total. In by_exploitation the categories overlap (a victim with
// several exploitation types counts in each) and Total is the number of
// distinct victims. When small-cell protection hides a cell, Total is the
// sum of the cells still shown and TotalAdjusted is true.
type Margin struct {
	Cells         []Cell `json:"cells"`
	Total         Count  `json:"total"`
	TotalAdjusted bool   `json:"total_adjusted"`
	// Overlapping is true when a person may count in several cells.
	Overlapping bool `json:"overlapping"`
}

// Victims are the victims identified in the year and their breakdowns.
type Victims struct {
	Identified     Count  `json:"identified"`
	ByGender       Margin `json:"by_gender"`       // female, male, other, unknown
	ByAge          Margin `json:"by_age"`          // adult, minor, unknown (at identification)
	ByCitizenship  Margin `json:"by_citizenship"`  // eu, non_eu (XX counts as non_eu, docs/model.md "Victim facts")
	ByRegion       Margin `json:"by_region"`       // UN M49 region of nationality, or unknown
	ByExploitation Margin `json:"by_exploitation"` // overlapping; Total = distinct victims
}

// Permits counts the residence documents of the year (events dated in it).
type Permits struct {
	ReflectionStarted   Count `json:"reflection_started"`
	ProvisionalIssued   Count `json:"provisional_issued"`
	ProvisionalExtended Count `json:"provisional_extended"`
	TemporaryIssued     Count `json:"temporary_issued"`
	TemporaryRenewed    Count `json:"temporary_renewed"`
	IndefiniteGranted   Count `json:"indefinite_granted"`
}

// Compensation counts the compensation claims and awards of the year.
// AwardedEUR is the total awarded, a decimal string with two places, or a
// hidden marker when the number of awards is hidden.
type Compensation struct {
	Claims     Count  `json:"claims"`
	Awards     Count  `json:"awards"`
	AwardedEUR string `json:"awarded_eur"`
}

// Cutoff is the data cut-off of a report: the audit chain up to and
// including Seq (whose hash is Hash, recorded at RecordedAt), with the
// rules evaluated up to AsOf (a date; never after the year's last day).
// The same cut-off, as-of date, year, scope and rules version give the
// same figures.
type Cutoff struct {
	Seq        int64  `json:"audit_seq"`
	Hash       string `json:"audit_hash"`
	RecordedAt string `json:"recorded_at"`
	AsOf       string `json:"as_of"`
}

// Protection states whether small-cell protection was applied and with
// which threshold.
type Protection struct {
	Applied   bool `json:"applied"`
	Threshold int  `json:"threshold"`
}

// Annual is the annual report of one year, for one shelter or all.
type Annual struct {
	Year         int        `json:"year"`
	Shelter      string     `json:"shelter"` // the shelter id, or "" for all shelters
	RulesVersion string     `json:"rules_version"`
	Cutoff       Cutoff     `json:"data_cutoff"`
	GeneratedAt  string     `json:"generated_at"`
	Protection   Protection `json:"small_cell_protection"`
	Victims      Victims    `json:"victims"`
	Permits      Permits    `json:"permits"`
	// Withdrawals is a partition of the year's withdraw_status events by
	// reason (the ten reasons of withdraw_status in docs/model.md "Events", in that order).
	Withdrawals Margin `json:"status_withdrawals"`
	// Proceedings counts the cases whose criminal proceedings reached each
	// outcome during the year: complaint_filed, charged, convicted,
	// acquitted, dismissed, settled, immunity (in that order). A case may
	// count in several (a complaint and a conviction in the same year).
	Proceedings  []Cell       `json:"proceedings"`
	Compensation Compensation `json:"compensation"`
	// Flagged counts, for every rule (R01…R25, in order), the victims the
	// rule flagged on at least one day of the year.
	Flagged []Cell `json:"flagged_by_rule"`
	// ReplayFailures counts the cases whose records could not be replayed
	// (unknown recorded states, unreadable data; left out of Flagged): 0
	// in a sound chain.
	ReplayFailures int `json:"replay_failures"`
	// Services counts, for every service type (casework.ServiceTypes, in
	// order), the victims who received it during the year: a service
	// started on or before as_of and not ended before 1 January.
	// Overlapping: Total is the distinct victims who received any.
	Services Margin `json:"services_received"`
	// Transfers counts the transfers between shelters accepted during the
	// year.
	Transfers Transfers `json:"transfers"`
}

// Transfers are the transfers accepted during the year (accept_transfer
// dated in it). A report of all shelters breaks them down by receiving
// and by sending shelter; a report of one shelter gives only the
// transfers it received and sent, so that no other shelter's transfers
// show. Each breakdown is a partition of Accepted.
type Transfers struct {
	Accepted           Count   `json:"accepted"`
	ByDirection        *Margin `json:"by_direction,omitempty"`         // one shelter: received, sent
	ByReceivingShelter *Margin `json:"by_receiving_shelter,omitempty"` // all shelters, by shelter id
	BySendingShelter   *Margin `json:"by_sending_shelter,omitempty"`   // all shelters, by shelter id
}

// Margins returns the transfers' breakdowns present in the report, in
// JSON order, with their JSON names.
func (tr *Transfers) Margins() []NamedMargin {
	var out []NamedMargin
	for _, m := range []NamedMargin{{"by_direction", tr.ByDirection}, {"by_receiving_shelter", tr.ByReceivingShelter},
		{"by_sending_shelter", tr.BySendingShelter}} {
		if m.Margin != nil {
			out = append(out, m)
		}
	}
	return out
}

// NamedMargin is a breakdown and its JSON name.
type NamedMargin struct {
	Name   string
	Margin *Margin
}

// Person is one identified victim's non-identifying record: the input of
// the anonymized export. It holds no name, no date and no case id.
type Person struct {
	Year         int      // year of identification (registration)
	Gender       string   // female, male, other, unknown
	AgeBand      string   // CTDC band at identification: 0-8, 9-17, 18-20, 21-23, 24-26, 27-29, 30-38, 39-47, 48+, or unknown
	Majority     string   // adult, minor or unknown at identification
	Citizenship  string   // ISO 3166-1 alpha-2, or XX for unknown
	Exploitation []string // exploitation types, in the order of docs/api.md "Cases"
	State        string   // NRM state at the end of the year or at the cut-off, whichever is first
	Proceedings  string   // proceedings at the same date
}
