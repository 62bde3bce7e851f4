package httpapi

import (
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casework"
)

// The casework routes (docs/casework.md): the work list, tasks, the case
// plan, notes and documents; caseworkers and supervisors of the case's
// shelter only (another shelter's case is 404).
func (s *Server) caseworkRoutes(route func(method, path string, h echo.HandlerFunc, roles []auth.Role), work []auth.Role) {
	if s.Casework == nil {
		return
	}
	route(http.MethodGet, "/work", s.workList, work)
	route(http.MethodGet, "/cases/:id/tasks", s.listTasks, work)
	route(http.MethodPost, "/cases/:id/tasks", s.addTask, work)
	route(http.MethodPatch, "/tasks/:task_id", s.updateTask, work)
	route(http.MethodGet, "/cases/:id/services", s.listServices, work)
	route(http.MethodPost, "/cases/:id/services", s.addService, work)
	route(http.MethodPatch, "/services/:service_id", s.updateService, work)
	route(http.MethodGet, "/cases/:id/notes", s.listNotes, work)
	route(http.MethodPost, "/cases/:id/notes", s.addNote, work)
	route(http.MethodPost, "/cases/:id/notes/:note_id/corrections", s.correctNote, work)
	route(http.MethodGet, "/cases/:id/documents", s.listDocuments, work)
	route(http.MethodPost, "/cases/:id/documents", s.uploadDocument, work)
	route(http.MethodGet, "/cases/:id/documents/:document_id", s.downloadDocument, work)
}

// items wraps a list in {"items": […]}.
func items[T any](v []T) map[string][]T {
	if v == nil {
		v = []T{}
	}
	return map[string][]T{"items": v}
}

// workList answers GET /api/v1/work?within=7.
func (s *Server) workList(c echo.Context) error {
	a, _ := actorOf(c)
	var f apperr.Fields
	within := queryInt(c, "within", 7, &f)
	if err := f.Err(); err != nil {
		return err
	}
	out, err := s.Casework.Work(c.Request().Context(), a, within)
	return reply(c, http.StatusOK, out, err)
}

// visibleCase answers 403/404 before the body is read.
func (s *Server) visibleCase(c echo.Context) (auth.Actor, error) {
	a, _ := actorOf(c)
	return a, s.Cases.Visible(c.Request().Context(), a, c.Param("id"))
}

func (s *Server) listTasks(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Casework.Tasks(c.Request().Context(), a, c.Param("id"))
	return reply(c, http.StatusOK, items(out), err)
}

func newTask(o object) casework.NewTask {
	return casework.NewTask{Title: o.str("title"), DueOn: o.str("due_on"), Assignee: o.str("assignee")}
}

func (s *Server) addTask(c echo.Context) error {
	a, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	in, err := decode(s, c, newTask, "title", "due_on", "assignee")
	if err != nil {
		return err
	}
	out, err := s.Casework.AddTask(c.Request().Context(), a, c.Param("id"), in)
	return reply(c, http.StatusCreated, out, err)
}

func taskPatch(o object) casework.TaskPatch {
	return casework.TaskPatch{Status: o.strPtr("status"), SnoozedUntil: o.strPtr("snoozed_until"), Reason: o.strPtr("reason"),
		Title: o.strPtr("title"), DueOn: o.strPtr("due_on"), Assignee: o.strPtr("assignee")}
}

// updateTask answers PATCH /tasks/{task_id}; the service answers 404 for
// a task of a case the actor cannot see.
func (s *Server) updateTask(c echo.Context) error {
	a, _ := actorOf(c)
	p, err := decode(s, c, taskPatch, "status", "snoozed_until", "reason", "title", "due_on", "assignee")
	if err != nil {
		return err
	}
	out, err := s.Casework.UpdateTask(c.Request().Context(), a, c.Param("task_id"), p)
	return reply(c, http.StatusOK, out, err)
}

var serviceFields = []string{"service", "provider", "planned_on", "started_on", "ended_on", "outcome"}

func serviceInput(o object) casework.ServiceInput {
	return casework.ServiceInput{Service: o.strPtr("service"), Provider: o.strPtr("provider"), PlannedOn: o.strPtr("planned_on"),
		StartedOn: o.strPtr("started_on"), EndedOn: o.strPtr("ended_on"), Outcome: o.strPtr("outcome")}
}

func (s *Server) listServices(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Casework.Services(c.Request().Context(), a, c.Param("id"))
	return reply(c, http.StatusOK, items(out), err)
}

func (s *Server) addService(c echo.Context) error {
	a, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	in, err := decode(s, c, serviceInput, serviceFields...)
	if err != nil {
		return err
	}
	out, err := s.Casework.AddService(c.Request().Context(), a, c.Param("id"), in)
	return reply(c, http.StatusCreated, out, err)
}

// updateService answers PATCH /services/{service_id}; the service answers
// 404 for a service of a case the actor cannot see.
func (s *Server) updateService(c echo.Context) error {
	a, _ := actorOf(c)
	in, err := decode(s, c, serviceInput, serviceFields...)
	if err != nil {
		return err
	}
	out, err := s.Casework.UpdateService(c.Request().Context(), a, c.Param("service_id"), in)
	return reply(c, http.StatusOK, out, err)
}

func (s *Server) listNotes(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Casework.Notes(c.Request().Context(), a, c.Param("id"))
	return reply(c, http.StatusOK, items(out), err)
}

func (s *Server) addNote(c echo.Context) error { return s.noteAnswer(c, "") }

// correctNote answers POST /cases/{id}/notes/{note_id}/corrections: a new
// version of the note; the old one stays.
func (s *Server) correctNote(c echo.Context) error { return s.noteAnswer(c, c.Param("note_id")) }

func (s *Server) noteAnswer(c echo.Context, corrects string) error {
	a, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	in, err := decode(s, c, func(o object) casework.NewNote {
		return casework.NewNote{OccurredOn: o.str("occurred_on"), Kind: o.str("kind"), Text: o.str("text"), Corrects: corrects}
	}, "occurred_on", "kind", "text")
	if err != nil {
		return err
	}
	out, err := s.Casework.AddNote(c.Request().Context(), a, c.Param("id"), in)
	if e, ok := apperr.As(err); ok && corrects != "" && len(e.Fields) == 1 && e.Fields[0].Field == "corrects" {
		return apperr.NotFoundf("no such note")
	}
	return reply(c, http.StatusCreated, out, err)
}

func (s *Server) listDocuments(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Casework.Documents(c.Request().Context(), a, c.Param("id"))
	return reply(c, http.StatusOK, items(out), err)
}

// uploadDocument answers POST /cases/{id}/documents (multipart/form-data:
// file, kind, valid_until): 413 past 10 MiB, whatever the Content-Length
// says; the type is read from the content.
func (s *Server) uploadDocument(c echo.Context) error {
	a, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	r := c.Request()
	if r.ContentLength > casework.MaxDocumentBytes+casework.UploadSlack {
		return apperr.New(apperr.TooLarge, "the document is over %d bytes (10 MiB)", casework.MaxDocumentBytes)
	}
	body := http.MaxBytesReader(c.Response(), r.Body, casework.MaxDocumentBytes+casework.UploadSlack)
	in, _, err := casework.ReadUpload(body, r.Header.Get(echo.HeaderContentType))
	if err != nil {
		return err
	}
	out, err := s.Casework.AddDocument(r.Context(), a, c.Param("id"), in)
	return reply(c, http.StatusCreated, out, err)
}

// downloadDocument answers GET /cases/{id}/documents/{document_id}: the
// file as an attachment, never rendered by the browser in the site's
// origin (nosniff, a sandbox CSP), each download in the read-access log.
func (s *Server) downloadDocument(c echo.Context) error {
	a, _ := actorOf(c)
	f, err := s.Casework.Download(c.Request().Context(), a, c.Param("id"), c.Param("document_id"))
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, f.ContentType, f.Content)
}
