// Package web owns casemgr's server-rendered user interface: the pages of
// caseworkers, supervisors, auditors and admins (html/template, embedded
// with the static files and the en/fr/nl catalogues, parsed once at
// start-up), their echo handlers, cookie sessions with CSRF tokens on every
// form, the personal iCalendar deadline feed (GET /api/v1/deadlines.ics),
// and the report pages with their server-rendered SVG bar charts (the
// annual report, /reports/annual, and the caseload what-if,
// /reports/policy). The handlers call the same services as the JSON API
// (internal/case, internal/auth, internal/shelter, internal/audit,
// internal/report); no business rule lives here.
package web
