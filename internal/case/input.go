package cases

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/vault"
)

// VictimInput is the victim part of a new case, as decoded from JSON.
type VictimInput struct {
	GivenName          string `json:"given_name"`
	FamilyName         string `json:"family_name"`
	Alias              string `json:"alias"`
	DateOfBirth        string `json:"date_of_birth"`
	Gender             string `json:"gender"`
	Nationality        string `json:"nationality"`
	UnaccompaniedMinor bool   `json:"unaccompanied_minor"`
}

// NewCase is the input of Create (docs/api.md "Cases").
type NewCase struct {
	Victim       VictimInput `json:"victim"`
	Exploitation []string    `json:"exploitation"`
	IdentifiedOn string      `json:"identified_on"`
	IdentifiedBy string      `json:"identified_by"`
}

type validCase struct {
	identity           identity
	gender             string
	nationality        string
	unaccompaniedMinor bool
	exploitation       []string
	identifiedOn       Date
	identifiedBy       string
}

const maxNameLength = 200

func checkName(f *apperr.Fields, field, v string, required bool) {
	switch {
	case required && vault.NormalizeName(v) == "":
		f.AddCode(field, apperr.CodeRequired, "required and must not be blank (letters, not only spaces or invisible characters)")
	case !utf8.ValidString(v):
		f.Add(field, "must be valid UTF-8 text")
	case utf8.RuneCountInString(v) > maxNameLength:
		f.Add(field, "at most %d characters", maxNameLength)
	case strings.IndexFunc(v, unsafeRune) >= 0:
		f.Add(field, "must be a single line without control characters or text-direction overrides")
	}
}

// unsafeRune reports control characters (which can drive a terminal that
// shows a log or an export) and the bidirectional overrides and isolates
// (which can make a name read differently from what is stored).
func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return true
	}
	return false
}

// checkMinorAtIdentification refuses the unaccompanied-minor mark when the
// date of birth makes the person an adult on the identification day: the
// two would put the case on different paths (a minor's guards and rules,
// or an adult's).
func checkMinorAtIdentification(f *apperr.Fields, minor bool, dob, identified Date) {
	if !minor || dob.IsZero() || identified.IsZero() {
		return
	}
	if adult := eligibility.Birthday18(dob); !identified.Before(adult) {
		f.AddCode("victim.unaccompanied_minor", apperr.CodeAdultAtIdentification, "the date of birth %s makes the person an adult (18 on %s) on the identification day %s: correct the date of birth, or remove the unaccompanied-minor mark", dob, adult, identified)
	}
}

// parseDate parses an optional date field; past says whether it must not
// be after today.
func parseDate(f *apperr.Fields, field, v string, today Date) Date {
	if v == "" {
		return Date{}
	}
	d, err := eligibility.ParseDate(v)
	if err != nil {
		f.AddCode(field, apperr.CodeDate, "want a date as YYYY-MM-DD: %v", err)
		return Date{}
	}
	if d.After(today) {
		f.AddCode(field, apperr.CodeFuture, "%s is in the future (today is %s in Brussels)", d, today)
		return Date{}
	}
	return d
}

func checkExploitation(f *apperr.Fields, in []string) {
	if len(in) == 0 {
		f.AddCode("exploitation", apperr.CodeChooseOne, "give one or more of %s", strings.Join(ExploitationTypes, ", "))
		return
	}
	for _, t := range in {
		if !contains(ExploitationTypes, t) {
			f.AddCode("exploitation", apperr.CodeUnknownValue, "unknown type %q: want one or more of %s", t, strings.Join(ExploitationTypes, ", "))
		}
	}
}

func (in NewCase) validate(today Date) (validCase, error) {
	var f apperr.Fields
	v := validCase{unaccompaniedMinor: in.Victim.UnaccompaniedMinor}
	checkName(&f, "victim.given_name", in.Victim.GivenName, true)
	checkName(&f, "victim.family_name", in.Victim.FamilyName, true)
	checkName(&f, "victim.alias", in.Victim.Alias, false)
	v.identity = identity{GivenName: strings.TrimSpace(in.Victim.GivenName),
		FamilyName: strings.TrimSpace(in.Victim.FamilyName), Alias: strings.TrimSpace(in.Victim.Alias)}
	v.identity.DateOfBirth = parseDate(&f, "victim.date_of_birth", in.Victim.DateOfBirth, today)
	v.gender = in.Victim.Gender
	if v.gender == "" {
		v.gender = "unknown"
	} else if !contains(Genders, v.gender) {
		f.AddCode("victim.gender", apperr.CodeUnknownValue, "want one of %s", strings.Join(Genders, ", "))
	}
	v.nationality = in.Victim.Nationality
	if v.nationality == "" {
		f.AddCode("victim.nationality", apperr.CodeRequired, "required: an ISO 3166-1 alpha-2 code such as NG, or XX when unknown")
	} else if !ValidNationality(v.nationality) {
		f.AddCode("victim.nationality", apperr.CodeUnknownValue, "unknown code %q: want an upper-case ISO 3166-1 alpha-2 code such as NG, or XX when unknown", v.nationality)
	}
	checkExploitation(&f, in.Exploitation)
	v.exploitation = in.Exploitation
	if in.IdentifiedOn == "" {
		f.AddCode("identified_on", apperr.CodeRequired, "required: the date the victim was identified, as YYYY-MM-DD")
	} else {
		v.identifiedOn = parseDate(&f, "identified_on", in.IdentifiedOn, today)
		dob := v.identity.DateOfBirth
		if !v.identifiedOn.IsZero() && !dob.IsZero() && v.identifiedOn.Before(dob) {
			f.Add("identified_on", "%s is before the date of birth %s", v.identifiedOn, dob)
		}
	}
	checkMinorAtIdentification(&f, v.unaccompaniedMinor, v.identity.DateOfBirth, v.identifiedOn)
	v.identifiedBy = in.IdentifiedBy
	if v.identifiedBy == "" {
		f.AddCode("identified_by", apperr.CodeRequired, "required: one of %s", strings.Join(IdentifiedBy, ", "))
	} else if !contains(IdentifiedBy, v.identifiedBy) {
		f.AddCode("identified_by", apperr.CodeUnknownValue, "want one of %s", strings.Join(IdentifiedBy, ", "))
	}
	return v, f.Err()
}

// CasePatch is the input of Update; nil fields stay unchanged.
type CasePatch struct {
	GivenName          *string
	FamilyName         *string
	Alias              *string
	DateOfBirth        *string // "" clears it
	Gender             *string
	Nationality        *string
	UnaccompaniedMinor *bool
	Exploitation       []string
	IdentifiedBy       *string
	Version            *int
}

func (p CasePatch) touchesIdentity() bool {
	return p.GivenName != nil || p.FamilyName != nil || p.Alias != nil || p.DateOfBirth != nil
}

// apply validates the patch and applies it to the row and identity. It
// returns the names of the changed fields, sorted.
func (p CasePatch) apply(r *row, id *identity, n nrmCase, today Date) ([]string, error) {
	var f apperr.Fields
	var changed []string
	str := func(field string, in *string, dst *string, required bool) {
		if in == nil {
			return
		}
		checkName(&f, field, *in, required)
		v := strings.TrimSpace(*in)
		if v != *dst {
			*dst = v
			changed = append(changed, strings.TrimPrefix(field, "victim."))
		}
	}
	str("victim.given_name", p.GivenName, &id.GivenName, true)
	str("victim.family_name", p.FamilyName, &id.FamilyName, true)
	str("victim.alias", p.Alias, &id.Alias, false)
	if p.DateOfBirth != nil {
		d := parseDate(&f, "victim.date_of_birth", *p.DateOfBirth, today)
		if !d.IsZero() && n.IdentifiedOn.Before(d) {
			f.AddCode("victim.date_of_birth", apperr.CodeAfterIdentification, "%s is after the identification date %s", d, n.IdentifiedOn)
		}
		if d != id.DateOfBirth {
			id.DateOfBirth = d
			changed = append(changed, "date_of_birth")
		}
	}
	if p.Gender != nil {
		if !contains(Genders, *p.Gender) {
			f.AddCode("victim.gender", apperr.CodeUnknownValue, "want one of %s", strings.Join(Genders, ", "))
		} else if *p.Gender != r.Gender {
			r.Gender = *p.Gender
			changed = append(changed, "gender")
		}
	}
	if p.Nationality != nil && *p.Nationality != r.Nationality {
		switch {
		case !ValidNationality(*p.Nationality):
			f.AddCode("victim.nationality", apperr.CodeUnknownValue, "unknown code %q: want an upper-case ISO 3166-1 alpha-2 code such as NG, or XX when unknown", *p.Nationality)
		case n.State != eligibility.StateIdentified:
			f.Add("victim.nationality", "can be corrected only while the case is identified (it is %s): it decides which path the case is on", n.State)
		default:
			r.Nationality = *p.Nationality
			changed = append(changed, "nationality")
		}
	}
	if p.UnaccompaniedMinor != nil && *p.UnaccompaniedMinor != r.UnaccompaniedMinor {
		r.UnaccompaniedMinor = *p.UnaccompaniedMinor
		changed = append(changed, "unaccompanied_minor")
	}
	if p.DateOfBirth != nil || p.UnaccompaniedMinor != nil {
		checkMinorAtIdentification(&f, r.UnaccompaniedMinor, id.DateOfBirth, n.IdentifiedOn)
	}
	if p.Exploitation != nil {
		checkExploitation(&f, p.Exploitation)
		if e := canonicalExploitation(p.Exploitation); e != r.Exploitation {
			r.Exploitation = e
			changed = append(changed, "exploitation")
		}
	}
	if p.IdentifiedBy != nil {
		if !contains(IdentifiedBy, *p.IdentifiedBy) {
			f.AddCode("identified_by", apperr.CodeUnknownValue, "want one of %s", strings.Join(IdentifiedBy, ", "))
		} else if *p.IdentifiedBy != r.IdentifiedBy {
			r.IdentifiedBy = *p.IdentifiedBy
			changed = append(changed, "identified_by")
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return sortStrings(changed), nil
}
