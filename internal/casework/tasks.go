package casework

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
)

// Task statuses.
const (
	TaskOpen    = "open"
	TaskDone    = "done"
	TaskSnoozed = "snoozed"
)

// TaskStatuses are the accepted values of a task's status.
var TaskStatuses = []string{TaskOpen, TaskDone, TaskSnoozed}

// Task is a task on a case. Its title and the reason of a snooze are
// sealed with the case's data key ("" once the case is erased).
type Task struct {
	ID           string    `json:"id"`
	CaseID       string    `json:"case_id"`
	Reference    string    `json:"reference"`
	Title        string    `json:"title"`
	DueOn        Date      `json:"due_on"`
	Assignee     string    `json:"assignee"`
	Status       string    `json:"status"`
	SnoozedUntil *Date     `json:"snoozed_until"`
	SnoozeReason string    `json:"snooze_reason"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// NewTask is the input of POST /cases/{id}/tasks.
type NewTask struct {
	Title    string
	DueOn    string
	Assignee string // "" is the caller
}

// TaskPatch is the input of PATCH /tasks/{task_id}; nil leaves a field.
type TaskPatch struct {
	Status       *string
	SnoozedUntil *string
	Reason       *string
	Title        *string
	DueOn        *string
	Assignee     *string
}

type taskRow struct {
	ID              string
	CaseID          string
	ShelterID       string
	TitleEnc        []byte
	DueOn           string
	Assignee        string
	Status          string
	SnoozedUntil    string
	SnoozeReasonEnc []byte
	CreatedBy       string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

const taskColumns = "id, case_id, shelter_id, title_enc, due_on, assignee, status, snoozed_until, snooze_reason_enc, created_by, created_at, updated_at"

func taskField(id string) string   { return "task/" + id + "/title" }
func snoozeField(id string) string { return "task/" + id + "/snooze_reason" }

func (t taskRow) view(cf cases.CaseFile) (Task, error) {
	title, err := open(cf, taskField(t.ID), t.TitleEnc)
	if err != nil {
		return Task{}, err
	}
	reason, err := open(cf, snoozeField(t.ID), t.SnoozeReasonEnc)
	if err != nil {
		return Task{}, err
	}
	due, err := parseStored(t.DueOn)
	if err != nil {
		return Task{}, err
	}
	until, err := parseStored(t.SnoozedUntil)
	if err != nil {
		return Task{}, err
	}
	return Task{ID: t.ID, CaseID: t.CaseID, Reference: cf.Reference, Title: title, DueOn: due, Assignee: t.Assignee,
		Status: t.Status, SnoozedUntil: datePtr(until), SnoozeReason: reason, CreatedBy: t.CreatedBy,
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}, nil
}

// checkAssignee requires a caseworker or supervisor of the case's shelter
// who is not disabled.
func checkAssignee(tx *gorm.DB, f *apperr.Fields, username, shelter string) error {
	var n int64
	err := tx.Table("users").Where("username = ? AND shelter_id = ? AND disabled = ? AND role IN ?",
		username, shelter, false, []string{string(auth.RoleCaseworker), string(auth.RoleSupervisor)}).Count(&n).Error
	if err != nil {
		return fmt.Errorf("casework: assignee: %w", err)
	}
	if n == 0 {
		f.AddCode("assignee", apperr.CodeUnknownValue, "no caseworker or supervisor %q in the case's shelter", username)
	}
	return nil
}

// AddTask adds a task to a case (201). The title is sealed; the chain
// records the task's id, due date and assignee and the title's digest.
func (s *Service) AddTask(ctx context.Context, a auth.Actor, caseID string, in NewTask) (Task, error) {
	var f apperr.Fields
	checkText(&f, "title", in.Title, 500, false)
	due := checkDate(&f, "due_on", in.DueOn, false)
	if in.Assignee == "" {
		in.Assignee = a.Username
	}
	return changeCase(ctx, s, a, caseID, func(ch *change) (Task, error) {
		if err := checkAssignee(ch.tx, &f, in.Assignee, ch.cf.Shelter); err != nil {
			return Task{}, err
		}
		if err := f.Err(); err != nil {
			return Task{}, err
		}
		now := s.now().UTC()
		r := taskRow{ID: uuid.NewString(), CaseID: ch.cf.ID, ShelterID: ch.cf.Shelter, DueOn: due.String(), Assignee: in.Assignee,
			Status: TaskOpen, CreatedBy: a.Username, CreatedAt: now, UpdatedAt: now}
		var err error
		if r.TitleEnc, err = ch.seal(taskField(r.ID), in.Title); err != nil {
			return Task{}, err
		}
		if err := ch.tx.Exec("INSERT INTO case_tasks ("+taskColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			r.ID, r.CaseID, r.ShelterID, r.TitleEnc, r.DueOn, r.Assignee, r.Status, r.SnoozedUntil, r.SnoozeReasonEnc,
			r.CreatedBy, r.CreatedAt, r.UpdatedAt).Error; err != nil {
			return Task{}, fmt.Errorf("casework: add task: %w", err)
		}
		data := map[string]any{"task_id": r.ID, "due_on": r.DueOn, "assignee": r.Assignee, "status": r.Status}
		if _, err := ch.record("add_task", s.today(), data); err != nil {
			return Task{}, err
		}
		return r.view(ch.cf)
	})
}

var tasksTable = table{name: "case_tasks", columns: taskColumns, what: "task"}

func (t *taskRow) stamp(now time.Time) { t.UpdatedAt = now }

// UpdateTask changes a task: done, snoozed until a date with a reason
// (both required), reopened, or its title, due date or assignee. A task
// of a case the actor cannot see is NotFound.
func (s *Service) UpdateTask(ctx context.Context, a auth.Actor, taskID string, p TaskPatch) (Task, error) {
	return changeRow[taskRow, Task](ctx, s, a, tasksTable, taskID, func(ch *change, r *taskRow) (rowChange, error) {
		today := s.today()
		var f apperr.Fields
		var changed []string
		set := map[string]any{}
		if p.Title != nil {
			checkText(&f, "title", *p.Title, 500, false)
		}
		if p.DueOn != nil {
			if d := checkDate(&f, "due_on", *p.DueOn, false); !d.IsZero() && d.String() != r.DueOn {
				set["due_on"], r.DueOn = d.String(), d.String()
				changed = append(changed, "due_on")
			}
		}
		if p.Assignee != nil && *p.Assignee != r.Assignee {
			if err := checkAssignee(ch.tx, &f, *p.Assignee, ch.cf.Shelter); err != nil {
				return rowChange{}, err
			}
			set["assignee"], r.Assignee = *p.Assignee, *p.Assignee
			changed = append(changed, "assignee")
		}
		status := r.Status
		if p.Status != nil {
			oneOf(&f, "status", *p.Status, TaskStatuses)
			status = *p.Status
		}
		if status == TaskSnoozed && (p.Status != nil || p.SnoozedUntil != nil) {
			until := Date{}
			if p.SnoozedUntil == nil {
				f.AddCode("snoozed_until", apperr.CodeRequired, "required to snooze: the date the task comes back")
			} else if until = checkDate(&f, "snoozed_until", *p.SnoozedUntil, false); !until.IsZero() && !until.After(today) {
				f.Add("snoozed_until", "want a date after today (%s)", today)
			}
			reason := ""
			if p.Reason != nil {
				reason = *p.Reason
			}
			checkText(&f, "reason", reason, 500, false)
			if f.Err() == nil {
				ct, err := ch.seal(snoozeField(r.ID), reason)
				if err != nil {
					return rowChange{}, err
				}
				set["snoozed_until"], set["snooze_reason_enc"] = until.String(), ct
				r.SnoozedUntil, r.SnoozeReasonEnc = until.String(), ct
				changed = append(changed, "snoozed_until")
			}
		} else if p.SnoozedUntil != nil || p.Reason != nil {
			f.Add("snoozed_until", "only with status snoozed")
		}
		if err := f.Err(); err != nil {
			return rowChange{}, err
		}
		if status != r.Status {
			set["status"], r.Status = status, status
			changed = append(changed, "status")
			if status != TaskSnoozed {
				set["snoozed_until"], set["snooze_reason_enc"] = "", nil
				r.SnoozedUntil, r.SnoozeReasonEnc = "", nil
			}
		}
		if p.Title != nil {
			ct, err := ch.seal(taskField(r.ID), *p.Title)
			if err != nil {
				return rowChange{}, err
			}
			set["title_enc"], r.TitleEnc = ct, ct
			changed = append(changed, "title")
		}
		data := map[string]any{"task_id": r.ID, "status": r.Status, "due_on": r.DueOn,
			"assignee": r.Assignee, "snoozed_until": r.SnoozedUntil}
		return rowChange{fields: changed, set: set, event: "update_task", data: data}, nil
	})
}

// Tasks lists the tasks of a case, open ones first, each by due date.
func (s *Service) Tasks(ctx context.Context, a auth.Actor, caseID string) ([]Task, error) {
	return listRows[taskRow, Task](ctx, s, a, caseID, cases.AccessTasks,
		"SELECT "+taskColumns+" FROM case_tasks WHERE case_id = ? ORDER BY CASE status WHEN 'done' THEN 1 ELSE 0 END, due_on, id")
}
