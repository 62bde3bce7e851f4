package cases

import (
	"context"

	"github.com/casemgr/casemgr/internal/eligibility"
)

// Draft is a case held in memory, on which events are checked and applied
// by the same state machines, guards and fact updates as RecordEvent,
// without a database. Bulk loading of synthetic data (internal/seed) uses
// it, so that the rows it writes are those the service would have written.
type Draft struct {
	n nrmCase
	v validCase
}

// NewDraft validates a new case as Create does (today bounds the dates)
// and returns it in state identified with proceedings none.
func NewDraft(in NewCase, shelter string, shelterOfficial bool, today Date) (*Draft, error) {
	v, err := in.validate(today)
	if err != nil {
		return nil, err
	}
	return &Draft{v: v, n: nrmCase{
		State: eligibility.StateIdentified, Proceedings: eligibility.ProceedingsNone,
		Facts: newFacts(v.identifiedOn), IdentifiedOn: v.identifiedOn, LastEventOn: v.identifiedOn,
		Nationality: v.nationality, Gender: v.gender, DateOfBirth: v.identity.DateOfBirth,
		UnaccompaniedMinor: v.unaccompaniedMinor, Exploitation: splitList(canonicalExploitation(v.exploitation)),
		Shelter: shelter, ShelterOfficial: shelterOfficial,
	}}, nil
}

func splitList(s string) []string {
	r := row{Exploitation: s}
	return r.exploitation()
}

// Clone returns an independent copy, to try an event without changing d.
func (d *Draft) Clone() *Draft {
	c := *d
	c.n.Exploitation = append([]string(nil), d.n.Exploitation...)
	return &c
}

// Apply checks and applies one event exactly as RecordEvent does (event
// type, dates not before the latest event, data, transition, guards) and
// returns the normalized data that the audit record holds. future allows
// a date after today.
func (d *Draft) Apply(ctx context.Context, in EventInput, today Date, future bool, set eligibility.Settings) (map[string]any, error) {
	def, on, data, err := checkEventInput(in, d.n, false, today, future)
	if err != nil {
		return nil, err
	}
	if err := apply(ctx, &d.n, def.typ, on, data, set); err != nil {
		return nil, err
	}
	return data, nil
}

// AllowedEvents lists the events accepted on the date, as allowed_events.
func (d *Draft) AllowedEvents(on Date, set eligibility.Settings) []string {
	return allowedEvents(d.n, on, set)
}

// State returns the residence track.
func (d *Draft) State() State { return d.n.State }

// Proceedings returns the criminal track.
func (d *Draft) Proceedings() Proceedings { return d.n.Proceedings }

// LastEventOn returns the date of the latest event (identified_on at first).
func (d *Draft) LastEventOn() Date { return d.n.LastEventOn }

// IdentifiedOn returns the identification date.
func (d *Draft) IdentifiedOn() Date { return d.n.IdentifiedOn }

// Facts returns the facts the events established, as stored.
func (d *Draft) Facts() Facts { return d.n.Facts }

// Snapshot returns the rules' input.
func (d *Draft) Snapshot() eligibility.Snapshot { return d.n.snapshot() }

// AgeBand returns the stored statistical age band.
func (d *Draft) AgeBand() string { return ageBand(d.v.identity.DateOfBirth, d.v.identifiedOn) }

// CTDCAgeBand returns the stored age band in the CTDC dataset's bands.
func (d *Draft) CTDCAgeBand() string { return ctdcAgeBand(d.v.identity.DateOfBirth, d.v.identifiedOn) }

// Exploitation returns the exploitation types in their stored form
// (canonical order, comma-separated).
func (d *Draft) Exploitation() string { return canonicalExploitation(d.v.exploitation) }

// Victim returns the victim as Create validated it (names trimmed, gender
// defaulted, date of birth zero when not given), as Get shows it: the
// identity fields are the values the case row stores encrypted.
func (d *Draft) Victim() Victim {
	id := d.v.identity
	return Victim{GivenName: id.GivenName, FamilyName: id.FamilyName, Alias: id.Alias, DateOfBirth: id.DateOfBirth,
		Gender: d.v.gender, Nationality: d.v.nationality, EUCitizen: eligibility.IsEUCitizen(d.v.nationality),
		UnaccompaniedMinor: d.v.unaccompaniedMinor}
}

// Gender, Nationality and UnaccompaniedMinor return the victim's
// statistical attributes as stored.
func (d *Draft) Gender() string { return d.v.gender }

// Nationality returns the victim's nationality code.
func (d *Draft) Nationality() string { return d.v.nationality }

// UnaccompaniedMinor reports whether the case is marked unaccompanied minor.
func (d *Draft) UnaccompaniedMinor() bool { return d.v.unaccompaniedMinor }

// IdentifiedBy returns who identified the victim.
func (d *Draft) IdentifiedBy() string { return d.v.identifiedBy }

// MarshalFacts returns the facts in their stored JSON form.
func (d *Draft) MarshalFacts() (string, error) { return marshalFacts(d.n.Facts) }
