package cases

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/vault"
)

// Enumerations of docs/api.md "Cases".
var (
	// Genders are the accepted values of victim.gender.
	Genders = []string{"female", "male", "other", "unknown"}
	// ExploitationTypes are the accepted values of exploitation, in order.
	ExploitationTypes = []string{"sexual", "labour", "forced_criminality", "forced_begging", "domestic_servitude", "unspecified", "other"}
	// IdentifiedBy are the accepted values of identified_by.
	IdentifiedBy = []string{"police", "labour_inspection", "shelter", "asylum_centre", "social_services", "self_referral", "other"}
)

// row is the stored case (table cases). Identity fields are ciphertexts
// under the case's data key; the rest holds no identity.
type row struct {
	ID             string `gorm:"column:id;primaryKey"`
	Reference      string `gorm:"column:reference"`
	ShelterID      string `gorm:"column:shelter_id"`
	Version        int    `gorm:"column:version"`
	State          string `gorm:"column:state"`
	Proceedings    string `gorm:"column:proceedings"`
	IdentifiedOn   string `gorm:"column:identified_on"`
	IdentifiedBy   string `gorm:"column:identified_by"`
	LastEventOn    string `gorm:"column:last_event_on"`
	DataKey        []byte `gorm:"column:data_key"`
	GivenNameEnc   []byte `gorm:"column:given_name_enc"`
	FamilyNameEnc  []byte `gorm:"column:family_name_enc"`
	AliasEnc       []byte `gorm:"column:alias_enc"`
	DateOfBirthEnc []byte `gorm:"column:date_of_birth_enc"`
	NameIndex      string `gorm:"column:name_index"`
	NameIndexRev   string `gorm:"column:name_index_rev"`
	// MajorityMonth is the keyed tag of the month a victim who was a
	// minor when identified turns 18 (majority.go), "" otherwise.
	MajorityMonth      string     `gorm:"column:majority_month"`
	ErasedAt           *time.Time `gorm:"column:erased_at"`
	Gender             string     `gorm:"column:gender"`
	Nationality        string     `gorm:"column:nationality"`
	UnaccompaniedMinor bool       `gorm:"column:unaccompanied_minor"`
	AgeBand            string     `gorm:"column:age_band"`
	CTDCAgeBand        string     `gorm:"column:ctdc_age_band"`
	Exploitation       string     `gorm:"column:exploitation"`
	Facts              string     `gorm:"column:facts"`
	// FactsRev moves when the facts are rewritten without an event (a
	// start-up backfill), so that a kept view is not served for facts it
	// was not built from (viewcache.go).
	FactsRev int  `gorm:"column:facts_rev"`
	Demo     bool `gorm:"column:demo"`
	// Assignee is the caseworker responsible ("" = nobody); AssigneeNow is
	// it as read (assignee_effective, effectiveAssignee in orgs.go): ""
	// when that user is disabled or in another shelter. Never written.
	Assignee    string `gorm:"column:assignee"`
	AssigneeNow string `gorm:"column:assignee_effective;->"`
	// Fingerprint is the keyed fingerprint of name and date of birth
	// (duplicate warning, orgs.go).
	Fingerprint string `gorm:"column:identity_fingerprint"`
	// ShelterOfficial is read with the case (whether its shelter is an
	// official NRM provider, rule R17); never written.
	ShelterOfficial bool      `gorm:"column:shelter_official;->"`
	CreatedAt       time.Time `gorm:"column:created_at"`
	UpdatedAt       time.Time `gorm:"column:updated_at"`
}

func (row) TableName() string { return "cases" }

// identity is a victim's decrypted identity.
type identity struct {
	GivenName, FamilyName, Alias string
	DateOfBirth                  Date
}

const (
	fieldGivenName   = "given_name"
	fieldFamilyName  = "family_name"
	fieldAlias       = "alias"
	fieldDateOfBirth = "date_of_birth"
	fieldNote        = "note"
)

// seal encrypts the identity into r with the data key.
func (id identity) seal(keys *vault.Keys, dk vault.DataKey, r *row) error {
	var err error
	enc := func(field, v string) []byte {
		if err != nil {
			return nil
		}
		var out []byte
		out, err = dk.Seal(r.ID, field, []byte(v))
		return out
	}
	r.GivenNameEnc = enc(fieldGivenName, id.GivenName)
	r.FamilyNameEnc = enc(fieldFamilyName, id.FamilyName)
	r.AliasEnc = enc(fieldAlias, id.Alias)
	r.DateOfBirthEnc = enc(fieldDateOfBirth, id.DateOfBirth.String())
	if err != nil {
		return fmt.Errorf("cases: encrypt identity: %w", err)
	}
	r.MajorityMonth = ""
	if on, perr := eligibility.ParseDate(r.IdentifiedOn); perr == nil {
		r.MajorityMonth = MajorityMonthTag(keys, id.DateOfBirth, on)
	}
	full := id.GivenName + " " + id.FamilyName
	r.NameIndex = keys.BlindIndex(full)
	r.NameIndexRev = keys.BlindIndex(id.FamilyName + " " + id.GivenName)
	r.Fingerprint = fingerprint(keys, id)
	return nil
}

// open decrypts the identity of r; an erased case has none.
func (r *row) open(keys *vault.Keys) (identity, vault.DataKey, error) {
	if r.DataKey == nil {
		return identity{}, vault.DataKey{}, nil
	}
	dk, err := keys.UnwrapDataKey(r.ID, r.DataKey)
	if err != nil {
		return identity{}, dk, fmt.Errorf("cases: unwrap data key of %s: %w", r.ID, err)
	}
	var id identity
	dec := func(field string, ct []byte) string {
		if err != nil || ct == nil {
			return ""
		}
		var pt []byte
		pt, err = dk.Open(r.ID, field, ct)
		return string(pt)
	}
	id.GivenName = dec(fieldGivenName, r.GivenNameEnc)
	id.FamilyName = dec(fieldFamilyName, r.FamilyNameEnc)
	id.Alias = dec(fieldAlias, r.AliasEnc)
	dob := dec(fieldDateOfBirth, r.DateOfBirthEnc)
	if err != nil {
		return identity{}, dk, fmt.Errorf("cases: decrypt identity of %s: %w", r.ID, err)
	}
	if dob != "" {
		if id.DateOfBirth, err = eligibility.ParseDate(dob); err != nil {
			return identity{}, dk, fmt.Errorf("cases: stored date of birth of %s: %w", r.ID, err)
		}
	}
	return id, dk, nil
}

func (r *row) exploitation() []string {
	if r.Exploitation == "" {
		return []string{}
	}
	return strings.Split(r.Exploitation, ",")
}

// nrm builds the state-machine view of the row.
func (r *row) nrm(id identity, shelterOfficial bool) (nrmCase, error) {
	var f Facts
	if err := json.Unmarshal([]byte(r.Facts), &f); err != nil {
		return nrmCase{}, fmt.Errorf("cases: stored facts of %s: %w", r.ID, err)
	}
	return r.nrmFacts(f, id, shelterOfficial)
}

// nrmFacts is nrm with the facts already parsed from r.Facts (a kept row's,
// eventprep.go).
func (r *row) nrmFacts(f Facts, id identity, shelterOfficial bool) (nrmCase, error) {
	identified, err := eligibility.ParseDate(r.IdentifiedOn)
	if err != nil {
		return nrmCase{}, fmt.Errorf("cases: stored identified_on of %s: %w", r.ID, err)
	}
	last, err := eligibility.ParseDate(r.LastEventOn)
	if err != nil {
		return nrmCase{}, fmt.Errorf("cases: stored last_event_on of %s: %w", r.ID, err)
	}
	return nrmCase{
		State: State(r.State), Proceedings: Proceedings(r.Proceedings), Facts: f,
		IdentifiedOn: identified, LastEventOn: last, Nationality: r.Nationality, Gender: r.Gender,
		DateOfBirth: id.DateOfBirth, UnaccompaniedMinor: r.UnaccompaniedMinor,
		Exploitation: r.exploitation(), Shelter: r.ShelterID, ShelterOfficial: shelterOfficial,
	}, nil
}

// ageBand is the victim's age band on the identification date, a
// statistical attribute that survives erasure.
func ageBand(dob, identified Date) string {
	if dob.IsZero() {
		return "unknown"
	}
	switch age := ageOn(dob, identified); {
	case age < 14:
		return "0-13"
	case age < 18:
		return "14-17"
	case age < 25:
		return "18-24"
	case age < 35:
		return "25-34"
	case age < 50:
		return "35-49"
	default:
		return "50+"
	}
}

// ageOn is the age in whole years on a date of someone born on dob (born
// on 29 February, a year older on 28 February, as AddYears clamps).
func ageOn(dob, on Date) int {
	age := on.Year - dob.Year
	if on.Before(dob.AddYears(age)) {
		age--
	}
	return age
}

// CTDCAgeBands are the age bands at identification of the Counter
// Trafficking Data Collaborative's global victim dataset, in order, then
// "unknown" (no date of birth). Read only.
var CTDCAgeBands = []string{"0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+", "unknown"}

// ctdcAgeBand is the victim's CTDC age band on the identification date, a
// statistical attribute that survives erasure.
func ctdcAgeBand(dob, identified Date) string {
	if dob.IsZero() {
		return "unknown"
	}
	switch age := ageOn(dob, identified); {
	case age < 9:
		return "0-8"
	case age < 18:
		return "9-17"
	case age < 21:
		return "18-20"
	case age < 24:
		return "21-23"
	case age < 27:
		return "24-26"
	case age < 30:
		return "27-29"
	case age < 39:
		return "30-38"
	case age < 48:
		return "39-47"
	default:
		return "48+"
	}
}

// minorBands are the age bands of people who were minors when identified.
var minorBands = []string{"0-13", "14-17"}

// Victim is the person a case is about, as returned by the API.
type Victim struct {
	GivenName          string `json:"given_name"`
	FamilyName         string `json:"family_name"`
	Alias              string `json:"alias"`
	DateOfBirth        Date   `json:"date_of_birth"`
	Gender             string `json:"gender"`
	Nationality        string `json:"nationality"`
	EUCitizen          bool   `json:"eu_citizen"`
	UnaccompaniedMinor bool   `json:"unaccompanied_minor"`
}

// Case is a case as returned by the API (docs/api.md "Cases"), evaluated as of a date.
type Case struct {
	ID           string      `json:"id"`
	Reference    string      `json:"reference"`
	Shelter      string      `json:"shelter"`
	Version      int         `json:"version"`
	State        State       `json:"state"`
	Proceedings  Proceedings `json:"proceedings"`
	Victim       Victim      `json:"victim"`
	Exploitation []string    `json:"exploitation"`
	IdentifiedOn Date        `json:"identified_on"`
	IdentifiedBy string      `json:"identified_by"`
	LastEventOn  Date        `json:"last_event_on"`
	AsOf         Date        `json:"as_of"`
	// Deadlines are the NRM deadlines of docs/model.md "Deadlines", the
	// API's `deadlines`; FlagDeadlines the due dates that flags carry,
	// which the UI and the work list show as deadlines too (AllDeadlines).
	Deadlines     []eligibility.Deadline `json:"deadlines"`
	FlagDeadlines []eligibility.Deadline `json:"-"`
	Flags         []eligibility.Flag     `json:"flags"`
	RulesVersion  string                 `json:"rules_version"`
	AllowedEvents []string               `json:"allowed_events"`
	Facts         Facts                  `json:"facts"`
	Erased        bool                   `json:"erased"`
	Demo          bool                   `json:"demo"`
	// Assignee is the caseworker responsible for the case, null when
	// nobody (docs/organisations.md "Assignment").
	Assignee *string `json:"assignee"`
	// Duplicates is set in the answer of a creation or an identity
	// correction only (docs/organisations.md "Duplicate warning").
	Duplicates *Duplicates `json:"duplicates,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
	// shelterOfficial is whether the case's shelter is an official NRM
	// provider (rule R17), kept so that At can evaluate again.
	shelterOfficial bool
}
