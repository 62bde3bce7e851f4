package web

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// boardWithin is the horizon of the deadlines board in days.
const boardWithin = 30

type boardSection struct {
	Key, Title string
	Items      []cases.DeadlineItem
}

type criticalCase struct {
	ID, Reference string
	State         string
	Flags         []eligibility.Flag
}

type deadlinesView struct {
	Sections    []boardSection
	Critical    []criticalCase
	More        bool
	FeedActive  bool
	FeedCreated string
	FeedURL     string
}

// deadlinesPage answers GET /deadlines: the shelter's deadlines board
// (overdue first, then within 7, 14 and 30 days), the cases with critical
// flags, and the personal calendar feed.
func (u *UI) deadlinesPage(c echo.Context) error {
	return u.showBoard(c, http.StatusOK, "")
}

func (u *UI) showBoard(c echo.Context, status int, feedURL string) error {
	ctx := c.Request().Context()
	a := stateOf(c).actor
	p := u.newPage(c, "deadlines.title")
	page, err := u.d.Cases.AllDeadlines(ctx, a, boardWithin, eligibility.Date{}, cases.MaxLimit, "")
	if err != nil {
		return u.internal(c, err)
	}
	v := deadlinesView{More: page.NextCursor != "", FeedURL: feedURL}
	v.Sections = []boardSection{
		{Key: "overdue", Title: p.T("deadlines.overdue")},
		{Key: "7", Title: p.T("deadlines.within", 7)},
		{Key: "14", Title: p.T("deadlines.within", 14)},
		{Key: "30", Title: p.T("deadlines.within", 30)},
	}
	for _, it := range page.Items {
		i := 3
		switch {
		case it.DaysLeft < 0:
			i = 0
		case it.DaysLeft <= 7:
			i = 1
		case it.DaysLeft <= 14:
			i = 2
		}
		v.Sections[i].Items = append(v.Sections[i].Items, it)
	}
	crit, err := u.d.Cases.List(ctx, a, cases.ListQuery{Severity: string(eligibility.SeverityCritical), Limit: cases.MaxLimit})
	if err != nil {
		return u.internal(c, err)
	}
	for _, cs := range crit.Items {
		cc := criticalCase{ID: cs.ID, Reference: cs.Reference, State: p.L("state", cs.State)}
		for _, fl := range cs.Flags {
			if fl.Severity == eligibility.SeverityCritical {
				cc.Flags = append(cc.Flags, fl)
			}
		}
		v.Critical = append(v.Critical, cc)
	}
	created, ok, err := u.d.Auth.FeedTokenCreated(ctx, a)
	if err != nil {
		return u.internal(c, err)
	}
	v.FeedActive = ok
	if ok {
		v.FeedCreated = p.Date(created)
	}
	p.Data = v
	return u.render(c, status, "deadlines", p)
}

// deadlinesSubmit answers POST /deadlines: action=feed_new makes a new
// calendar feed token and shows its URL once (replacing an active one is
// confirmed first, as it stops the old address);
// action=feed_revoke ends the feed, after a confirmation page that says
// what it does (calendars subscribed to the address stop updating), since
// a revoked address cannot be brought back.
func (u *UI) deadlinesSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	a := stateOf(c).actor
	switch c.Request().PostForm.Get("action") {
	case "feed_new":
		// Replacing an active address stops the calendars subscribed to
		// it as revoking does, so it is confirmed the same way.
		_, active, err := u.d.Auth.FeedTokenCreated(ctx, a)
		if err != nil {
			return u.internal(c, err)
		}
		if active && !adminConfirmed(c) {
			p := u.newPage(c, "feed.replace_title")
			return u.askConfirm(c, "feed.replace_title", adminConfirmView{Question: p.T("feed.replace_question"),
				Detail: p.T("feed.replace_detail"), Yes: p.T("feed.regenerate"), Action: "/deadlines", Cancel: "/deadlines#feed",
				Fields: []option{{Value: "action", Label: "feed_new"}}})
		}
		token, err := u.d.Auth.NewFeedToken(ctx, a)
		if err != nil {
			return u.internal(c, err)
		}
		q := url.Values{"token": {token}, "lang": {stateOf(c).lang}}
		feed := c.Scheme() + "://" + c.Request().Host + "/api/v1/deadlines.ics?" + q.Encode()
		return u.showBoard(c, http.StatusOK, feed)
	case "feed_revoke":
		if !adminConfirmed(c) {
			p := u.newPage(c, "feed.revoke_title")
			return u.askConfirm(c, "feed.revoke_title", adminConfirmView{Question: p.T("feed.revoke_question"),
				Detail: p.T("feed.revoke_detail"), Yes: p.T("feed.revoke"), Action: "/deadlines", Cancel: "/deadlines#feed",
				Fields: []option{{Value: "action", Label: "feed_revoke"}}})
		}
		if err := u.d.Auth.RevokeFeedToken(ctx, a); err != nil {
			return u.internal(c, err)
		}
		return c.Redirect(http.StatusSeeOther, withNotice("/deadlines", "feed_revoked"))
	}
	return u.fail(c, http.StatusBadRequest, "error.bad_form")
}
