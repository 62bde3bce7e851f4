package web

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// Voiding an event from the case history (docs/model.md "Correcting the
// record"), through cases.Service.VoidEvent: the event stays in the
// history, struck through, and the case is recomputed without it. The
// history links each event that can be voided to a page that asks for the
// reason and a confirmation.

// voidable reports whether a history item is an event that can still be
// voided (not the opening, a correction of data or a void, and not voided
// already).
func voidable(it cases.HistoryItem) bool {
	return !it.Voided && slices.Contains(cases.EventTypes(), cases.EventType(it.Event))
}

type voidView struct {
	Case cases.Case
	Item historyRow
	Form *formState
	// Reasons are the choices of the reason select.
	Reasons []option
	// Blocking are the later events to void first, linked to their rows.
	Blocking []historyRow
	// Done says the event cannot be voided (already voided): no form.
	Done bool
}

// voidPage answers GET /cases/{id}/void/{seq}: the event, the reason and
// the confirmation.
func (u *UI) voidPage(c echo.Context) error {
	return u.showVoid(c, http.StatusOK, nil, nil, "")
}

// showVoid renders the void page; f is the submitted form, blocking the
// seqs of later events that block the void, alert a message for the page.
func (u *UI) showVoid(c echo.Context, status int, f *formState, blocking []int64, alert string) error {
	ctx := c.Request().Context()
	a := stateOf(c).actor
	cs, err := u.d.Cases.Get(ctx, a, c.Param("id"), eligibility.Date{})
	if err != nil {
		return u.caseFailure(c, err)
	}
	hist, err := u.d.Cases.History(ctx, a, cs.ID)
	if err != nil {
		return u.internal(c, err)
	}
	seq, err := strconv.ParseInt(c.Param("seq"), 10, 64)
	if err != nil {
		return u.fail(c, http.StatusNotFound, "error.not_found")
	}
	p := u.newPage(c, "void.title")
	p.Title = p.T("void.title") + " · " + cs.Reference
	p.Alert = alert
	i := slices.IndexFunc(hist, func(it cases.HistoryItem) bool { return it.Seq == seq })
	if i < 0 || (!voidable(hist[i]) && !hist[i].Voided) {
		return u.fail(c, http.StatusNotFound, "error.not_found")
	}
	if f == nil {
		f = newForm(nil)
		f.Values.Set("version", strconv.Itoa(cs.Version))
	}
	v := voidView{Case: cs, Item: historyRowOf(p, hist[i]), Form: f, Done: hist[i].Voided,
		Reasons: p.options("void.reason", cases.VoidReasons, f.V("reason"), "form.choose")}
	for _, b := range blocking {
		if j := slices.IndexFunc(hist, func(it cases.HistoryItem) bool { return it.Seq == b }); j >= 0 {
			v.Blocking = append(v.Blocking, historyRowOf(p, hist[j]))
		}
	}
	p.Data = v
	return u.render(c, status, "case_void", p)
}

// voidSubmit answers POST /cases/{id}/void/{seq}: it voids the event and
// goes back to the case's history, or shows the page again with the
// error: the reason next to its field, the events blocking the void
// linked to their rows, or that someone changed the case meanwhile.
func (u *UI) voidSubmit(c echo.Context) error {
	form := c.Request().PostForm
	f := newForm(form)
	seq, err := strconv.ParseInt(c.Param("seq"), 10, 64)
	if err != nil {
		return u.fail(c, http.StatusNotFound, "error.not_found")
	}
	in := cases.VoidInput{Reason: form.Get("reason")}
	if v, err := strconv.Atoi(form.Get("version")); err == nil {
		in.Version = &v
	}
	id := c.Param("id")
	_, err = u.d.Cases.VoidEvent(c.Request().Context(), stateOf(c).actor, id, seq, in)
	if err == nil {
		return c.Redirect(http.StatusSeeOther, withNotice("/cases/"+id, "event_voided")+"#h-"+strconv.FormatInt(seq, 10))
	}
	p := u.newPage(c, "void.title")
	status := apperr.Status(err)
	e, _ := apperr.As(err)
	switch apperr.KindOf(err) {
	case apperr.NotFound, apperr.Forbidden:
		return u.caseFailure(c, err)
	case apperr.Conflict:
		if len(e.BlockingSeqs) > 0 {
			return u.showVoid(c, status, f, e.BlockingSeqs, p.T("void.blocked"))
		}
		// Stale, or voided meanwhile: show the event as it is now.
		return u.showVoid(c, status, nil, nil, p.T("case.stale"))
	}
	if !p.setError(f, err, "reason") {
		return u.internal(c, err)
	}
	if f.Errors["reason"] != "" {
		f.Errors["reason"] = p.T("err.required")
		if form.Get("reason") != "" {
			f.Errors["reason"] = p.T("err.unknown_value")
		}
	}
	return u.showVoid(c, status, f, nil, "")
}
