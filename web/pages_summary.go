package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// summaryView is the printable case summary: what a caseworker files on
// paper or hands to a lawyer, read-only.
type summaryView struct {
	Case        cases.Case
	Name        string
	ShelterName string
	// PrintedOn is the time of the request in Europe/Brussels, the time
	// the shelters work in; PrintedBy the username.
	PrintedOn, PrintedBy string
	History              []historyRow
}

// summaryPage answers GET /cases/:id/summary: the case's header, state,
// deadlines, flags and history on one page without navigation or forms,
// for printing. Access is that of the case page: a case of another
// shelter is the 404 page, as if it did not exist.
func (u *UI) summaryPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := stateOf(c).actor
	p := u.newPage(c, "summary.title")
	cs, err := u.d.Cases.Get(ctx, a, c.Param("id"), eligibility.Date{})
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return u.fail(c, http.StatusNotFound, "error.not_found")
		}
		return u.internal(c, err)
	}
	hist, err := u.d.Cases.History(ctx, a, cs.ID)
	if err != nil {
		return u.internal(c, err)
	}
	v := summaryView{Case: cs, Name: fullName(cs), ShelterName: cs.Shelter, PrintedBy: a.Username,
		PrintedOn: u.d.Now().In(brussels()).Format("02/01/2006 15:04 MST")}
	if sh, err := u.d.Shelters.Get(ctx, cs.Shelter); err == nil {
		v.ShelterName = sh.Name
	} else if apperr.KindOf(err) != apperr.NotFound {
		return u.internal(c, err)
	}
	for _, it := range hist {
		v.History = append(v.History, historyRowOf(p, it))
	}
	p.Title = p.T("summary.title") + " · " + cs.Reference
	p.Data = v
	return u.render(c, http.StatusOK, "summary", p)
}

// brussels is the zone of the printed-on time; the zone database is
// embedded (time/tzdata, imported by internal/eligibility), so UTC is only
// a fallback for a broken build.
func brussels() *time.Location {
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		return time.UTC
	}
	return loc
}
