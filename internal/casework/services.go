package casework

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/google/uuid"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
)

// ServiceTypes are the kinds of service of a case plan.
var ServiceTypes = []string{"accommodation", "psychological", "medical", "legal", "interpretation",
	"education", "employment", "financial", "other"}

// providerPattern is a provider id: "shelter" (the case's shelter) or the
// id of a partner organisation (issue 15), never free text that could
// hold a name.
var providerPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// PlannedService is one service of a case plan. The outcome is free text
// sealed with the case's data key.
type PlannedService struct {
	ID        string    `json:"id"`
	CaseID    string    `json:"case_id"`
	Service   string    `json:"service"`
	Provider  string    `json:"provider"`
	PlannedOn *Date     `json:"planned_on"`
	StartedOn *Date     `json:"started_on"`
	EndedOn   *Date     `json:"ended_on"`
	Outcome   string    `json:"outcome"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ServiceInput is the input of POST /cases/{id}/services and (nil: left
// as is) PATCH /services/{service_id}.
type ServiceInput struct {
	Service   *string
	Provider  *string
	PlannedOn *string
	StartedOn *string
	EndedOn   *string
	Outcome   *string
}

type serviceRow struct {
	ID         string
	CaseID     string
	ShelterID  string
	Service    string
	Provider   string
	PlannedOn  string
	StartedOn  string
	EndedOn    string
	OutcomeEnc []byte
	CreatedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

const serviceColumns = "id, case_id, shelter_id, service, provider, planned_on, started_on, ended_on, outcome_enc, created_by, created_at, updated_at"

func outcomeField(id string) string { return "service/" + id + "/outcome" }

func (r serviceRow) view(cf cases.CaseFile) (PlannedService, error) {
	outcome, err := open(cf, outcomeField(r.ID), r.OutcomeEnc)
	if err != nil {
		return PlannedService{}, err
	}
	var ds [3]Date
	for i, v := range []string{r.PlannedOn, r.StartedOn, r.EndedOn} {
		if ds[i], err = parseStored(v); err != nil {
			return PlannedService{}, err
		}
	}
	return PlannedService{ID: r.ID, CaseID: r.CaseID, Service: r.Service, Provider: r.Provider,
		PlannedOn: datePtr(ds[0]), StartedOn: datePtr(ds[1]), EndedOn: datePtr(ds[2]), Outcome: outcome,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}, nil
}

// apply validates in onto r and returns the names of the changed fields.
func (in ServiceInput) apply(f *apperr.Fields, r *serviceRow, today Date) []string {
	var changed []string
	if in.Service != nil {
		oneOf(f, "service", *in.Service, ServiceTypes)
		if *in.Service != r.Service {
			r.Service = *in.Service
			changed = append(changed, "service")
		}
	}
	if in.Provider != nil {
		if !providerPattern.MatchString(*in.Provider) {
			f.Add("provider", `want "shelter" or a partner organisation's id: lower-case letters, digits, ".", "_" or "-", at most 64`)
		} else if *in.Provider != r.Provider {
			r.Provider = *in.Provider
			changed = append(changed, "provider")
		}
	}
	dates := []struct {
		name string
		in   *string
		dst  *string
	}{{"planned_on", in.PlannedOn, &r.PlannedOn}, {"started_on", in.StartedOn, &r.StartedOn}, {"ended_on", in.EndedOn, &r.EndedOn}}
	for _, d := range dates {
		if d.in == nil {
			continue
		}
		v := checkDate(f, d.name, *d.in, true)
		if d.name != "planned_on" && v.After(today) {
			f.AddCode(d.name, apperr.CodeFuture, "%s is in the future (today is %s in Brussels)", v, today)
		}
		if dateText(v) != *d.dst {
			*d.dst = dateText(v)
			changed = append(changed, d.name)
		}
	}
	if in.Outcome != nil {
		checkText(f, "outcome", *in.Outcome, maxText, true)
		changed = append(changed, "outcome")
	}
	if r.Service == "" && in.Service == nil {
		f.AddCode("service", apperr.CodeRequired, "required")
	}
	if r.PlannedOn == "" && r.StartedOn == "" && len(*f) == 0 {
		f.AddCode("planned_on", apperr.CodeRequired, "give planned_on or started_on")
	}
	if r.EndedOn != "" && (r.StartedOn == "" || r.EndedOn < r.StartedOn) && len(*f) == 0 {
		f.Add("ended_on", "a service ends on or after the day it started (started_on)")
	}
	return changed
}

// AddService adds a service to the case plan (201).
func (s *Service) AddService(ctx context.Context, a auth.Actor, caseID string, in ServiceInput) (PlannedService, error) {
	return changeCase(ctx, s, a, caseID, func(ch *change) (PlannedService, error) {
		now := s.now().UTC()
		r := serviceRow{ID: uuid.NewString(), CaseID: ch.cf.ID, ShelterID: ch.cf.Shelter, Provider: "shelter",
			CreatedBy: a.Username, CreatedAt: now, UpdatedAt: now}
		var f apperr.Fields
		in.apply(&f, &r, s.today())
		if err := f.Err(); err != nil {
			return PlannedService{}, err
		}
		if in.Outcome != nil && *in.Outcome != "" {
			var err error
			if r.OutcomeEnc, err = ch.seal(outcomeField(r.ID), *in.Outcome); err != nil {
				return PlannedService{}, err
			}
		}
		if err := ch.tx.Exec("INSERT INTO case_services ("+serviceColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			r.ID, r.CaseID, r.ShelterID, r.Service, r.Provider, r.PlannedOn, r.StartedOn, r.EndedOn, r.OutcomeEnc,
			r.CreatedBy, r.CreatedAt, r.UpdatedAt).Error; err != nil {
			return PlannedService{}, fmt.Errorf("casework: add service: %w", err)
		}
		if _, err := ch.record("add_service", s.today(), r.data()); err != nil {
			return PlannedService{}, err
		}
		return r.view(ch.cf)
	})
}

var servicesTable = table{name: "case_services", columns: serviceColumns, what: "service"}

func (r *serviceRow) stamp(now time.Time) { r.UpdatedAt = now }

// data is the chain record's data of a service: no free text.
func (r serviceRow) data() map[string]any {
	return map[string]any{"service_id": r.ID, "service": r.Service, "provider": r.Provider,
		"planned_on": r.PlannedOn, "started_on": r.StartedOn, "ended_on": r.EndedOn}
}

// UpdateService changes a service of a case plan (its dates, provider or
// outcome).
func (s *Service) UpdateService(ctx context.Context, a auth.Actor, serviceID string, in ServiceInput) (PlannedService, error) {
	return changeRow[serviceRow, PlannedService](ctx, s, a, servicesTable, serviceID, func(ch *change, r *serviceRow) (rowChange, error) {
		var f apperr.Fields
		changed := in.apply(&f, r, s.today())
		if err := f.Err(); err != nil {
			return rowChange{}, err
		}
		if in.Outcome != nil {
			var err error
			if r.OutcomeEnc, err = ch.seal(outcomeField(r.ID), *in.Outcome); err != nil {
				return rowChange{}, err
			}
		}
		set := map[string]any{"service": r.Service, "provider": r.Provider, "planned_on": r.PlannedOn,
			"started_on": r.StartedOn, "ended_on": r.EndedOn, "outcome_enc": r.OutcomeEnc}
		return rowChange{fields: changed, set: set, event: "update_service", data: r.data()}, nil
	})
}

// Services lists the case plan, by planned or start date.
func (s *Service) Services(ctx context.Context, a auth.Actor, caseID string) ([]PlannedService, error) {
	return listRows[serviceRow, PlannedService](ctx, s, a, caseID, cases.AccessServices,
		"SELECT "+serviceColumns+" FROM case_services WHERE case_id = ? ORDER BY COALESCE(NULLIF(started_on, ''), planned_on), id")
}

// ServicesProvided counts, by type, the services provided during [from,
// to]: started on or before to and not ended before from. shelter ""
// counts every shelter's. For the annual report (internal/report), which
// applies its own small-cell rules; it reads no free text.
func (s *Service) ServicesProvided(ctx context.Context, shelter string, from, to Date) (map[string]int, error) {
	q := s.cases.ReadDB(ctx).Table("case_services").Select("service, COUNT(*) AS n").
		Where("started_on <> '' AND started_on <= ? AND (ended_on = '' OR ended_on >= ?)", to.String(), from.String())
	if shelter != "" {
		q = q.Where("shelter_id = ?", shelter)
	}
	var rows []struct {
		Service string
		N       int
	}
	if err := q.Group("service").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("casework: services provided: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Service] = r.N
	}
	return out, nil
}
