package web

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/casework"
)

// The casework pages (docs/casework.md): "My work", the landing page of
// caseworkers and supervisors, and each case's notes, tasks, services and
// documents at /cases/{id}/work.

// registerCasework adds the casework pages when the service is there.
func (u *UI) registerCasework(e *echo.Echo, work []echo.MiddlewareFunc) {
	if u.d.Casework == nil {
		return
	}
	e.GET("/work", u.workPage, work...)
	e.GET("/cases/:id/work", u.caseworkPage, work...)
	e.POST("/cases/:id/work", u.caseworkSubmit, work...)
	e.GET("/cases/:id/documents/:document_id", u.documentDownload, work...)
	// The upload form is multipart: a larger body limit, and the session
	// and CSRF checks done once the parts are read (into memory).
	big := *u
	big.d.MaxBodyBytes = casework.MaxDocumentBytes + casework.UploadSlack
	e.POST("/cases/:id/documents", u.documentUpload, big.base)
}

// workWithin are the horizons offered on "My work".
var workWithin = []int{7, 14, 30, 90}

type workView struct {
	Within  int
	Options []option
	Items   []casework.WorkItem
}

// workPage answers GET /work?within=7: everything due on the shelter's
// cases, overdue first.
func (u *UI) workPage(c echo.Context) error {
	p := u.newPage(c, "work.title")
	within := 7
	if n, err := strconv.Atoi(c.QueryParam("within")); err == nil && n >= 0 && n <= casework.MaxWithin {
		within = n
	}
	list, err := u.d.Casework.Work(c.Request().Context(), stateOf(c).actor, within)
	if err != nil {
		return u.internal(c, err)
	}
	v := workView{Within: within, Items: list.Items}
	for _, n := range workWithin {
		v.Options = append(v.Options, option{Value: strconv.Itoa(n), Label: p.tr.plural(p.Lang, "work.days", n), Selected: n == within})
	}
	p.Data = v
	return u.render(c, http.StatusOK, "work", p)
}

// Detail shows what an item of the work list is about.
func (p *page) WorkDetail(it casework.WorkItem) string {
	switch it.Kind {
	case casework.ItemFlag:
		return it.Rule
	case casework.ItemDeadline:
		return p.L("deadline", it.Deadline)
	case casework.ItemTask:
		return p.L("task.status", it.Status) + " · " + it.Assignee
	case casework.ItemDocumentExpiry:
		return p.L("document.kind", it.DocumentKind)
	}
	return ""
}

type noteView struct {
	casework.Note
	Older []casework.Note
}

type caseworkView struct {
	CaseID, Reference string
	Erased            bool
	Notes             []noteView
	Tasks             []casework.Task
	Services          []casework.PlannedService
	Documents         []casework.Document
	NoteForm          *formState
	TaskForm          *formState
	ServiceForm       *formState
	UploadForm        *formState
	NoteKinds         []option
	ServiceTypes      []option
	DocumentKinds     []option
	Today             string
}

func (u *UI) caseworkPage(c echo.Context) error {
	return u.showCasework(c, http.StatusOK, nil, "")
}

// showCasework renders a case's casework page; failed is a refused form
// (what was typed is shown again with the errors) named by its action.
func (u *UI) showCasework(c echo.Context, status int, failed *formState, action string) error {
	ctx := c.Request().Context()
	a := stateOf(c).actor
	id := c.Param("id")
	p := u.newPage(c, "casework.title")
	cs, err := u.d.Cases.Get(ctx, a, id, u.d.Cases.Today())
	if err != nil {
		return u.caseworkFailure(c, err)
	}
	v := caseworkView{CaseID: cs.ID, Reference: cs.Reference, Erased: cs.Erased, Today: u.d.Cases.Today().String(),
		NoteForm: newForm(url.Values{"occurred_on": {u.d.Cases.Today().String()}}), TaskForm: newForm(nil),
		ServiceForm: newForm(url.Values{"provider": {"shelter"}}), UploadForm: newForm(nil)}
	switch action {
	case "note":
		v.NoteForm = failed
	case "task":
		v.TaskForm = failed
	case "service":
		v.ServiceForm = failed
	case "upload":
		v.UploadForm = failed
	}
	notes, err := u.d.Casework.Notes(ctx, a, id)
	if err != nil {
		return u.internal(c, err)
	}
	// Each note shows its latest version, the older ones below it.
	byID := map[string]casework.Note{}
	for _, n := range notes {
		byID[n.ID] = n
	}
	for _, n := range notes {
		if n.CorrectedBy != nil {
			continue
		}
		nv := noteView{Note: n}
		for prev := n.Corrects; prev != nil; {
			old, ok := byID[*prev]
			if !ok {
				break
			}
			nv.Older = append(nv.Older, old)
			prev = old.Corrects
		}
		v.Notes = append(v.Notes, nv)
	}
	if v.Tasks, err = u.d.Casework.Tasks(ctx, a, id); err != nil {
		return u.internal(c, err)
	}
	if v.Services, err = u.d.Casework.Services(ctx, a, id); err != nil {
		return u.internal(c, err)
	}
	if v.Documents, err = u.d.Casework.Documents(ctx, a, id); err != nil {
		return u.internal(c, err)
	}
	v.NoteKinds = p.options("note.kind", casework.NoteKinds, v.NoteForm.V("kind"), "")
	v.ServiceTypes = p.options("service.type", casework.ServiceTypes, v.ServiceForm.V("service"), "")
	v.DocumentKinds = p.options("document.kind", casework.DocumentKinds, v.UploadForm.V("kind"), "")
	p.Title = p.T("casework.title") + " · " + cs.Reference
	p.Data = v
	return u.render(c, status, "casework", p)
}

func (u *UI) caseworkFailure(c echo.Context, err error) error {
	switch apperr.KindOf(err) {
	case apperr.NotFound:
		return u.fail(c, http.StatusNotFound, "error.not_found")
	case apperr.Forbidden:
		return u.fail(c, http.StatusForbidden, "error.forbidden")
	}
	return u.internal(c, err)
}

// caseworkSubmit answers POST /cases/{id}/work: action note, correct,
// task, task_done, task_reopen, task_snooze or service. A refused form is
// shown again with what was typed (a note's text is never lost).
func (u *UI) caseworkSubmit(c echo.Context) error {
	form := c.Request().PostForm
	ctx := c.Request().Context()
	a := stateOf(c).actor
	id := c.Param("id")
	f := newForm(form)
	p := u.newPage(c, "casework.title")
	var err error
	action, notice := form.Get("action"), ""
	var known []string
	switch action {
	case "note", "correct":
		in := casework.NewNote{OccurredOn: f.V("occurred_on"), Kind: f.V("kind"), Text: f.V("text")}
		if action == "correct" {
			in.Corrects = f.V("note_id")
		}
		_, err = u.d.Casework.AddNote(ctx, a, id, in)
		action, notice, known = "note", "note_added", []string{"occurred_on", "kind", "text"}
	case "task":
		_, err = u.d.Casework.AddTask(ctx, a, id, casework.NewTask{Title: f.V("title"), DueOn: f.V("due_on")})
		notice, known = "task_added", []string{"title", "due_on"}
	case "task_done", "task_reopen", "task_snooze":
		status := map[string]string{"task_done": casework.TaskDone, "task_reopen": casework.TaskOpen, "task_snooze": casework.TaskSnoozed}[action]
		patch := casework.TaskPatch{Status: &status}
		if action == "task_snooze" {
			until, reason := f.V("snoozed_until"), f.V("reason")
			patch.SnoozedUntil, patch.Reason = &until, &reason
		}
		_, err = u.d.Casework.UpdateTask(ctx, a, f.V("task_id"), patch)
		action, notice, known = "task", "task_updated", []string{"snoozed_until", "reason"}
	case "service":
		str := func(k string) *string { v := f.V(k); return &v }
		_, err = u.d.Casework.AddService(ctx, a, id, casework.ServiceInput{Service: str("service"), Provider: str("provider"),
			PlannedOn: str("planned_on"), StartedOn: str("started_on"), Outcome: str("outcome")})
		notice, known = "service_added", []string{"service", "provider", "planned_on", "started_on", "outcome"}
	default:
		return u.fail(c, http.StatusBadRequest, "error.bad_form")
	}
	if err == nil {
		return c.Redirect(http.StatusSeeOther, withNotice("/cases/"+id+"/work", notice))
	}
	switch apperr.KindOf(err) {
	case apperr.NotFound, apperr.Forbidden:
		return u.caseworkFailure(c, err)
	}
	if !p.setError(f, err, known...) {
		return u.internal(c, err)
	}
	return u.showCasework(c, apperr.Status(err), f, action)
}

// documentUpload answers POST /cases/{id}/documents (the upload form): the
// session, role and CSRF token are checked once the parts are read, and
// nothing is stored unless they pass.
func (u *UI) documentUpload(c echo.Context) error {
	st := stateOf(c)
	if !u.loadSession(c) {
		u.clearCookie(c, cookieSession)
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	if !st.actor.Is(rolesWork...) {
		return u.fail(c, http.StatusForbidden, "error.forbidden")
	}
	r := c.Request()
	in, fields, err := casework.ReadUpload(r.Body, r.Header.Get(echo.HeaderContentType), csrfField)
	// A body too large is refused before its token is read (it may be in
	// the unread rest): nothing was stored either way.
	if err == nil && !sameToken(fields[csrfField], st.csrf) {
		return u.fail(c, http.StatusForbidden, "error.csrf")
	}
	if err == nil {
		_, err = u.d.Casework.AddDocument(r.Context(), st.actor, c.Param("id"), in)
	}
	if err == nil {
		return c.Redirect(http.StatusSeeOther, withNotice("/cases/"+c.Param("id")+"/work", "document_added"))
	}
	switch apperr.KindOf(err) {
	case apperr.NotFound, apperr.Forbidden:
		return u.caseworkFailure(c, err)
	case apperr.TooLarge:
		return u.fail(c, http.StatusRequestEntityTooLarge, "error.too_large")
	case apperr.Malformed:
		return u.fail(c, http.StatusBadRequest, "error.bad_form")
	}
	p := u.newPage(c, "casework.title")
	f := newForm(url.Values{"kind": {in.Kind}, "valid_until": {in.ValidUntil}})
	if !p.setError(f, err, "file", "kind", "valid_until") {
		return u.internal(c, err)
	}
	if f.Errors["file"] != "" && in.Content != nil && casework.ContentType(in.Content) == "" {
		f.Errors["file"] = p.T("document.not_accepted")
	}
	return u.showCasework(c, apperr.Status(err), f, "upload")
}

// documentDownload answers GET /cases/{id}/documents/{document_id}: the
// file as an attachment, as the API serves it.
func (u *UI) documentDownload(c echo.Context) error {
	f, err := u.d.Casework.Download(c.Request().Context(), stateOf(c).actor, c.Param("id"), c.Param("document_id"))
	if err != nil {
		return u.caseworkFailure(c, err)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Length", fmt.Sprint(len(f.Content)))
	return c.Blob(http.StatusOK, f.ContentType, f.Content)
}
