package web

import (
	"bytes"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/casemgr/casemgr/internal/report"
)

// Geometry of a horizontal bar chart, in SVG user units. Each bar has its
// own row: the category label on top, the bar below it and the shown value
// right after the bar's end, so that long labels (French, Dutch) never
// collide with the bars.
const (
	chartWidth     = 640
	chartPad       = 8  // left margin; the axis is drawn here
	chartRow       = 44 // height of one row
	chartLabelY    = 15 // baseline of the label, from the row's top
	chartBarY      = 21 // top of the bar, from the row's top
	chartBarHeight = 16
	chartValueGap  = 6                                      // between the bar's end and its value
	chartValueRoom = 72                                     // room kept right of the longest bar for its value
	chartBarMax    = chartWidth - chartPad - chartValueRoom // length of the longest bar
)

// chartBar is one bar to draw: its category label and its published count.
type chartBar struct {
	Label string
	Count report.Count
	// Alt draws the bar in the second colour, for charts that compare two
	// series (the policy what-if: current rules and the change).
	Alt bool
}

// barChart is a bar chart laid out for chartTemplate. Numbers are
// pre-formatted strings so that the template only places them.
type barChart struct {
	ID     string // id of the <svg>; the title and description ids derive from it
	Title  string
	Desc   string // every bar as "label: value", for screen readers
	Width  int
	Height int
	Pad    int
	Bars   []chartBarView
}

// chartBarView is one laid-out bar.
type chartBarView struct {
	Label  string
	Value  string // the count as published: a number, or its hidden marker
	Hidden bool   // the count is suppressed: the bar has zero length
	Alt    bool   // the bar belongs to the second series
	LabelY int
	BarY   int
	Height int
	TickY1 int // the axis segment of the row, drawn also for a bar of zero length
	TickY2 int
	Length string // the bar's length, proportional to the largest shown count
	ValueX string
	ValueY int
}

// newBarChart lays out bars. Lengths are proportional to the largest
// shown count; a hidden count ("<5", "x") gets a bar of zero length with
// its marker as value (its true value is unknown here, and no length is
// guessed); a count of zero also has zero length. A shown count above
// zero is at least one unit long, so that it stays visible next to a
// much larger one.
func newBarChart(id, title string, bars []chartBar) barChart {
	c := barChart{ID: id, Title: title, Width: chartWidth, Pad: chartPad,
		Height: len(bars)*chartRow + 4}
	maxN := 0
	for _, b := range bars {
		if b.Count.Hidden == "" && b.Count.N > maxN {
			maxN = b.Count.N
		}
	}
	desc := make([]string, 0, len(bars))
	for i, b := range bars {
		top := i * chartRow
		length := 0.0
		if b.Count.Hidden == "" && b.Count.N > 0 && maxN > 0 {
			length = max(1, float64(b.Count.N)*chartBarMax/float64(maxN))
		}
		v := chartBarView{
			Label: b.Label, Value: b.Count.Shown(), Hidden: b.Count.Hidden != "", Alt: b.Alt,
			LabelY: top + chartLabelY, BarY: top + chartBarY, Height: chartBarHeight,
			TickY1: top + chartBarY - 2, TickY2: top + chartBarY + chartBarHeight + 2,
			Length: formatUnits(length), ValueX: formatUnits(chartPad + length + chartValueGap),
			ValueY: top + chartBarY + chartBarHeight - 3,
		}
		c.Bars = append(c.Bars, v)
		desc = append(desc, v.Label+": "+v.Value)
	}
	c.Desc = strings.Join(desc, "; ")
	return c
}

// formatUnits writes a length with at most one decimal ("12", "12.5").
func formatUnits(f float64) string {
	return strconv.FormatFloat(float64(int64(f*10+0.5))/10, 'f', -1, 64)
}

// chartTemplate draws a barChart as inline SVG. It uses no style
// attribute (the CSP forbids inline styles): the look comes from the
// classes in app.css, the geometry from SVG attributes. The <svg> is one
// image for assistive technologies (role="img", named by its <title>,
// described by its <desc>); the same figures are in the page's tables.
var chartTemplate = template.Must(template.New("chart").Parse(`<svg class="chart" id="{{.ID}}" xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{{.ID}}-title {{.ID}}-desc" viewBox="0 0 {{.Width}} {{.Height}}" width="{{.Width}}" height="{{.Height}}" preserveAspectRatio="xMinYMin meet">
<title id="{{.ID}}-title">{{.Title}}</title>
<desc id="{{.ID}}-desc">{{.Desc}}</desc>
{{- range .Bars}}
<g class="row{{if .Hidden}} row-hidden{{end}}">
<text class="label" x="{{$.Pad}}" y="{{.LabelY}}">{{.Label}}</text>
<line class="axis" x1="{{$.Pad}}" y1="{{.TickY1}}" x2="{{$.Pad}}" y2="{{.TickY2}}"></line>
<rect class="bar{{if .Hidden}} bar-hidden{{else if .Alt}} bar-alt{{end}}" x="{{$.Pad}}" y="{{.BarY}}" width="{{.Length}}" height="{{.Height}}"></rect>
<text class="value{{if .Hidden}} value-hidden{{end}}" x="{{.ValueX}}" y="{{.ValueY}}">{{.Value}}</text>
</g>
{{- end}}
</svg>`))

// renderChart draws c as inline SVG, every label and value escaped.
func renderChart(c barChart) (template.HTML, error) {
	var buf bytes.Buffer
	if err := chartTemplate.Execute(&buf, c); err != nil {
		return "", fmt.Errorf("web: draw chart %s: %w", c.ID, err)
	}
	return template.HTML(buf.String()), nil // #nosec G203 -- produced by html/template, which escaped every value
}
