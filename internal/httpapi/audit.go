package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auditor"
)

// exportQuery reads the query parameters of an export.
func exportQuery(c echo.Context) auditor.Query {
	return auditor.Query{Format: c.QueryParam("format"), From: c.QueryParam("from"), To: c.QueryParam("to"),
		Shelter: c.QueryParam("shelter"), Case: c.QueryParam("case")}
}

// auditEvents answers GET /api/v1/audit/events: the audit log, streamed.
func (s *Server) auditEvents(c echo.Context) error {
	a, _ := actorOf(c)
	x, err := s.Auditor.StartEvents(c.Request().Context(), a, exportQuery(c))
	if err != nil {
		return err
	}
	return s.stream(c, x)
}

// auditAccess answers GET /api/v1/audit/access: the read-access log,
// streamed.
func (s *Server) auditAccess(c echo.Context) error {
	a, _ := actorOf(c)
	q := exportQuery(c)
	if q.Shelter != "" || q.Case != "" {
		var f apperr.Fields
		if q.Shelter != "" {
			f.Add("shelter", "the access-log export takes from, to and format only")
		}
		if q.Case != "" {
			f.Add("case", "the access-log export takes from, to and format only")
		}
		return f.Err()
	}
	x, err := s.Auditor.StartAccess(c.Request().Context(), a, q)
	if err != nil {
		return err
	}
	return s.stream(c, x)
}

// stream writes an export as its rows are read. Once the first bytes are
// out, an error can no longer become a problem answer: the connection is
// aborted instead, so the client sees a broken transfer rather than a
// complete-looking, truncated file.
func (s *Server) stream(c echo.Context, x *auditor.Export) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, x.ContentType())
	if x.Format != audit.FormatJSON {
		h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": x.Filename}))
	}
	if x.HasManifest() {
		h.Set("Trailer", manifestTrailer)
	}
	c.Response().WriteHeader(http.StatusOK)
	n, err := x.Stream(c.Request().Context(), c.Response())
	if err != nil {
		s.log.Error("export failed while streaming", slog.String("request_id", requestID(c)),
			slog.Int64("rows", n), slog.String("error", err.Error()))
		panic(http.ErrAbortHandler)
	}
	if m, ok := x.Manifest(); ok {
		b, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("httpapi: export manifest: %w", err)
		}
		h.Set(manifestTrailer, base64.StdEncoding.EncodeToString(b))
	}
	return nil
}

// manifestTrailer is the HTTP trailer that carries an audit-log export's
// signed manifest (base64 of its JSON, docs/audit.md), so the body stays
// exactly the documented rows.
const manifestTrailer = "Casemgr-Export-Manifest"

// auditVerifyFull answers GET /api/v1/audit/verify: the chain and its
// checkpoints.
func (s *Server) auditVerifyFull(c echo.Context) error {
	rep, err := s.Auditor.Verify(c.Request().Context())
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, rep)
}

// auditCheckpoints answers GET /api/v1/audit/checkpoints.
func (s *Server) auditCheckpoints(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Auditor.Checkpoints(c.Request().Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// auditLatestCheckpoint answers GET /api/v1/audit/checkpoints/latest: the
// witness document (the key and the latest checkpoint) that auditors keep
// outside the server.
func (s *Server) auditLatestCheckpoint(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Auditor.Latest(c.Request().Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// auditCheckpoint answers POST /api/v1/audit/checkpoints: sign the head
// now.
func (s *Server) auditCheckpoint(c echo.Context) error {
	a, _ := actorOf(c)
	cp, err := s.Auditor.Checkpoint(c.Request().Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, cp)
}
