package casework

import (
	"context"
	"fmt"
	"sort"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// The kinds of item of the work list.
const (
	ItemDeadline       = "deadline"
	ItemFlag           = "flag"
	ItemTask           = "task"
	ItemReferral       = "referral" // referral follow-ups (internal/orgs, SetFollowUps)
	ItemDocumentExpiry = "document_expiry"
)

// MaxWithin is the longest horizon of the work list, in days.
const MaxWithin = 366

// WorkItem is one thing due on the work list; every item links to its
// case. It holds no name: a task's title is shown only on its case's page.
type WorkItem struct {
	Kind      string               `json:"kind"`
	CaseID    string               `json:"case_id"`
	Reference string               `json:"reference"`
	DueOn     Date                 `json:"due_on"`
	DaysLeft  int                  `json:"days_left"`
	Severity  eligibility.Severity `json:"severity"`
	// Rule is the flag's rule (kind flag).
	Rule string `json:"rule,omitempty"`
	// Deadline is the NRM deadline's kind (kind deadline).
	Deadline string `json:"deadline,omitempty"`
	// TaskID, Status and Assignee are the task's (kind task).
	TaskID   string `json:"task_id,omitempty"`
	Status   string `json:"status,omitempty"`
	Assignee string `json:"assignee,omitempty"`
	// DocumentID and DocumentKind are the expiring document's.
	DocumentID   string `json:"document_id,omitempty"`
	DocumentKind string `json:"document_kind,omitempty"`
}

// WorkList is the answer of GET /work.
type WorkList struct {
	AsOf   Date       `json:"as_of"`
	Within int        `json:"within"`
	Items  []WorkItem `json:"items"`
}

var kindOrder = map[string]int{ItemDeadline: 0, ItemFlag: 1, ItemDocumentExpiry: 2, ItemReferral: 3, ItemTask: 4}

// Work lists everything due within days of today (overdue first) on the
// cases of the actor's shelter: the NRM deadlines and the due dates of
// flags (as on the deadline board), open tasks (a snoozed one on the day
// it comes back), and the expiry of documents. Caseworkers and
// supervisors alike see all the shelter's cases until cases are assigned
// (docs/casework.md).
func (s *Service) Work(ctx context.Context, a auth.Actor, within int) (WorkList, error) {
	if !a.WorksOnCases() {
		return WorkList{}, apperr.Forbiddenf("only caseworkers and supervisors have a work list")
	}
	if within < 0 || within > MaxWithin {
		return WorkList{}, apperr.Field("within", "want a number of days from 0 to %d", MaxWithin)
	}
	asOf := s.today()
	until := asOf.AddDays(within)
	set := s.cases.Settings()
	item := func(kind, caseID, ref string, due Date) WorkItem {
		left := asOf.DaysUntil(due)
		return WorkItem{Kind: kind, CaseID: caseID, Reference: ref, DueOn: due, DaysLeft: left, Severity: set.SeverityFor(left)}
	}
	out := WorkList{AsOf: asOf, Within: within, Items: []WorkItem{}}
	cursor := ""
	for {
		page, err := s.cases.AllDeadlines(ctx, a, within, asOf, cases.MaxLimit, cursor)
		if err != nil {
			return WorkList{}, err
		}
		for _, d := range page.Items {
			if d.Kind == eligibility.DeadlineFlag {
				it := item(ItemFlag, d.CaseID, d.Reference, d.DueOn)
				it.Rule = d.Rule
				out.Items = append(out.Items, it)
				continue
			}
			it := item(ItemDeadline, d.CaseID, d.Reference, d.DueOn)
			it.Deadline = d.Kind
			out.Items = append(out.Items, it)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	db := s.cases.ReadDB(ctx)
	var tasks []struct {
		ID, CaseID, Reference, DueOn, Status, SnoozedUntil, Assignee string
	}
	if err := db.Raw(`SELECT t.id, t.case_id, c.reference, t.due_on, t.status, t.snoozed_until, t.assignee
		FROM case_tasks t JOIN cases c ON c.id = t.case_id
		WHERE t.shelter_id = ? AND ((t.status = 'open' AND t.due_on <= ?) OR (t.status = 'snoozed' AND t.snoozed_until <= ?))`,
		a.Shelter, until.String(), until.String()).Scan(&tasks).Error; err != nil {
		return WorkList{}, fmt.Errorf("casework: work tasks: %w", err)
	}
	for _, t := range tasks {
		due := t.DueOn
		if t.Status == TaskSnoozed {
			due = t.SnoozedUntil
		}
		d, err := parseStored(due)
		if err != nil {
			return WorkList{}, err
		}
		it := item(ItemTask, t.CaseID, t.Reference, d)
		it.TaskID, it.Status, it.Assignee = t.ID, t.Status, t.Assignee
		out.Items = append(out.Items, it)
	}
	var docs []struct {
		ID, CaseID, Reference, Kind, ValidUntil string
	}
	if err := db.Raw(`SELECT d.id, d.case_id, c.reference, d.kind, d.valid_until
		FROM case_documents d JOIN cases c ON c.id = d.case_id
		WHERE d.shelter_id = ? AND d.valid_until <> '' AND d.valid_until <= ? AND c.state <> ?`,
		a.Shelter, until.String(), string(eligibility.StateClosed)).Scan(&docs).Error; err != nil {
		return WorkList{}, fmt.Errorf("casework: work documents: %w", err)
	}
	for _, dc := range docs {
		d, err := parseStored(dc.ValidUntil)
		if err != nil {
			return WorkList{}, err
		}
		it := item(ItemDocumentExpiry, dc.CaseID, dc.Reference, d)
		it.DocumentID, it.DocumentKind = dc.ID, dc.Kind
		out.Items = append(out.Items, it)
	}
	refs, err := s.referralItems(ctx, a, asOf, within)
	if err != nil {
		return WorkList{}, err
	}
	out.Items = append(out.Items, refs...)
	sort.SliceStable(out.Items, func(i, j int) bool {
		x, y := out.Items[i], out.Items[j]
		if x.DueOn != y.DueOn {
			return x.DueOn.Before(y.DueOn)
		}
		if x.Reference != y.Reference {
			return x.Reference < y.Reference
		}
		return kindOrder[x.Kind] < kindOrder[y.Kind]
	})
	return out, nil
}
