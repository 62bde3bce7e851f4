package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/casework"
)

// TestCalendarFeedWork: the feed also holds the tasks and document
// expiries of the work list, each with its reminders, and never a task's
// title.
func TestCalendarFeedWork(t *testing.T) {
	e := newEnv(t)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	task, err := e.Casework.AddTask(context.Background(), e.actors["ana"], c.ID, casework.NewTask{Title: "Call Grace's lawyer", DueOn: "2025-06-20"})
	if err != nil {
		t.Fatal(err)
	}
	sam := e.loggedIn(t, "sam")
	body := e.browser(t).get(feedPath(t, sam)).Body
	evs := parseFeed(t, body)
	found := false
	for _, ev := range evs {
		if ev.uid == "task-"+task.ID+"@casemgr" && ev.summary == c.Reference+" – Task" && ev.start == "2025-06-20" {
			found = true
		}
	}
	if !found {
		t.Fatalf("feed: got %+v, want the task on 2025-06-20", evs)
	}
	if strings.Contains(body, "lawyer") || strings.Contains(body, "Grace") {
		t.Fatalf("feed holds a task's title or a name")
	}
	if n := strings.Count(body, "BEGIN:VALARM"); n != 2*len(evs) {
		t.Fatalf("alarms: got %d, want 2 per event (%d events)", n, len(evs))
	}
}
