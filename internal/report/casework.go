package report

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casework"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// The audit events the services and transfers figures read. A service's
// add_service and update_service records both carry its whole description
// (type, provider, planned, start and end dates; never its outcome, which
// is free text), so the last one up to the cut-off is the service as it
// stood then. accept_transfer carries the transfer's id, both shelters
// and its reason.
const (
	eventAddService     = "add_service"
	eventUpdateService  = "update_service"
	eventAcceptTransfer = "accept_transfer"
)

// Transfer directions, the categories of a shelter's Transfers.ByDirection.
var transferDirections = []string{"received", "sent"}

// serviceSpan is a service as its last record describes it.
type serviceSpan struct {
	Service   string `json:"service"`
	StartedOn string `json:"started_on"`
	EndedOn   string `json:"ended_on"`
}

// caseServices are a case's services, by id, as last recorded.
type caseServices map[string]serviceSpan

// servicesIn reads the add_service and update_service records up to the
// cut-off, of the report's shelter ("" for all), and returns each case's
// services as they stood at the cut-off. A record's occurred_on is the day
// it was written, not the day of the service: a service given in December
// and recorded in January counts in December's year, so these records are
// not limited to the as-of date (the cut-off alone makes them
// reproducible); the service's own dates are compared with the year.
func servicesIn(ctx context.Context, read *gorm.DB, cutoff int64, shelter string) (map[string]caseServices, error) {
	q := read.Session(&gorm.Session{NewDB: true, Context: ctx}).Model(&audit.Record{}).Select("seq, case_id, event, data").
		Where("event IN ? AND case_id <> '' AND seq <= ?", []string{eventAddService, eventUpdateService}, cutoff)
	if shelter != "" {
		q = q.Where("shelter = ?", shelter)
	}
	rows, err := q.Order("seq").Rows()
	if err != nil {
		return nil, fmt.Errorf("report: services: %w", err)
	}
	defer rows.Close()
	out := map[string]caseServices{}
	for rows.Next() {
		var r audit.Record
		if err := rows.Scan(&r.Seq, &r.CaseID, &r.Event, &r.Data); err != nil {
			return nil, fmt.Errorf("report: services: %w", err)
		}
		var d struct {
			ID string `json:"service_id"`
			serviceSpan
		}
		if err := json.Unmarshal([]byte(r.Data), &d); err != nil {
			return nil, fmt.Errorf("report: record %d: data: %w", r.Seq, err)
		}
		if d.ID == "" || !slices.Contains(casework.ServiceTypes, d.Service) {
			return nil, fmt.Errorf("report: record %d: %s without a service id or a known service type", r.Seq, r.Event)
		}
		if out[r.CaseID] == nil {
			out[r.CaseID] = caseServices{}
		}
		out[r.CaseID][d.ID] = d.serviceSpan // seq order: the last record wins
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report: services: %w", err)
	}
	return out, nil
}

// addServices counts the service types a victim received during the year
// (a service started on or before the as-of date and not ended before 1
// January), each type once.
func (t *tally) addServices(caseID string) {
	got := map[string]bool{}
	first, last := t.first.String(), t.last.String()
	for _, s := range t.caseServices[caseID] {
		if s.StartedOn != "" && s.StartedOn <= last && (s.EndedOn == "" || s.EndedOn >= first) {
			got[s.Service] = true
		}
	}
	if len(got) == 0 {
		return
	}
	t.served++
	for k := range got {
		t.services[k]++
	}
}

// acceptedTransfer is one accept_transfer record of a non-demo case.
type acceptedTransfer struct {
	caseID   string
	seq      int64
	on       Date
	from, to string
}

// transfersIn reads the accept_transfer records up to the cut-off and the
// as-of date, of every shelter: a shelter's report counts the transfers it
// sent, recorded under the receiving shelter. Demo cases are left out.
// They are few, so they are read at once, before the case records.
func (s *Service) transfersIn(ctx context.Context, read *gorm.DB, cutoff int64, asOf Date) ([]acceptedTransfer, error) {
	var recs []audit.Record
	err := read.Session(&gorm.Session{NewDB: true, Context: ctx}).Model(&audit.Record{}).
		Where("event = ? AND case_id <> '' AND seq <= ? AND occurred_on <= ?", eventAcceptTransfer, cutoff, asOf.String()).
		Order("seq").Find(&recs).Error
	if err != nil {
		return nil, fmt.Errorf("report: transfers: %w", err)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.CaseID)
	}
	slices.Sort(ids)
	// The records are already chosen by shelter: the statistical
	// attributes only tell demo cases apart, whichever shelter a case is
	// in now.
	stats, err := s.cases.StatCases(ctx, auth.System, slices.Compact(ids))
	if err != nil {
		return nil, err
	}
	out := make([]acceptedTransfer, 0, len(recs))
	for _, r := range recs {
		if c, ok := stats[r.CaseID]; !ok || c.Demo {
			continue
		}
		var d struct {
			From string `json:"from_shelter"`
			To   string `json:"to_shelter"`
		}
		if err := json.Unmarshal([]byte(r.Data), &d); err != nil {
			return nil, fmt.Errorf("report: record %d: data: %w", r.Seq, err)
		}
		on, err := eligibility.ParseDate(r.OccurredOn)
		if err != nil {
			return nil, fmt.Errorf("report: record %d: occurred_on: %w", r.Seq, err)
		}
		if d.From == "" || d.To == "" {
			return nil, fmt.Errorf("report: record %d: accept_transfer without both shelters", r.Seq)
		}
		out = append(out, acceptedTransfer{caseID: r.CaseID, seq: r.Seq, on: on, from: d.From, to: d.To})
	}
	return out, nil
}

// setTransfers counts the transfers accepted during the year into the
// tally and, for one shelter's report, notes when each case left the
// shelter (caseEnd).
func (t *tally) setTransfers(shelter string, trs []acceptedTransfer) {
	t.shelter = shelter
	for _, tr := range trs {
		if shelter != "" && tr.from == shelter {
			if t.departures == nil {
				t.departures = map[string][]acceptedTransfer{}
			}
			t.departures[tr.caseID] = append(t.departures[tr.caseID], tr)
		}
		if tr.on.Before(t.first) || tr.on.After(t.last) {
			continue
		}
		switch {
		case shelter == "":
			t.transfers++
			t.transferTo[tr.to]++
			t.transferFrom[tr.from]++
			t.shelters[tr.to], t.shelters[tr.from] = true, true
		case tr.to == shelter:
			t.transfers++
			t.transferDir["received"]++
		case tr.from == shelter:
			t.transfers++
			t.transferDir["sent"]++
		}
	}
}

// caseEnd is the last day a case counts in the tally's replay: the as-of
// date or, in one shelter's report, the day before the case left the
// shelter when no record of it there follows (the days after are another
// shelter's).
func (t *tally) caseEnd(recs []audit.Record) Date {
	deps := t.departures[recs[len(recs)-1].CaseID]
	lastSeq := recs[len(recs)-1].Seq
	for _, d := range deps {
		if d.seq > lastSeq {
			if end := d.on.AddDays(-1); end.Before(t.last) {
				return end
			}
			break
		}
	}
	return t.last
}

// transfersFigures turns the transfer counts into the report's figures:
// by receiving and sending shelter for all shelters (every shelter with a
// case record up to the cut-off is a category, in id order), received and
// sent for one shelter.
func (t *tally) transfersFigures() Transfers {
	out := Transfers{Accepted: Count{N: t.transfers}}
	if t.shelter != "" {
		m := margin(t.transferDir, transferDirections, t.transfers, false)
		out.ByDirection = &m
		return out
	}
	var ids []string
	for id := range t.shelters {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	to, from := margin(t.transferTo, ids, t.transfers, false), margin(t.transferFrom, ids, t.transfers, false)
	out.ByReceivingShelter, out.BySendingShelter = &to, &from
	return out
}
