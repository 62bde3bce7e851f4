package httpapi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"iter"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"gopkg.in/yaml.v3"
)

// openAPIDocument is the OpenAPI 3.1 description of /api/v1 and the
// operational endpoints, served at GET /api/v1/openapi.yaml. Tests keep it
// true: every route of the router is in it, and every answer of the HTTP
// tests validates against it.
//
//go:embed openapi.yaml
var openAPIDocument []byte

// docsCSS is the stylesheet of the docs page.
//
//go:embed docs.css
var docsCSS []byte

// OpenAPIDocument returns a copy of the embedded OpenAPI 3.1 document
// (YAML), the one served at GET /api/v1/openapi.yaml.
func OpenAPIDocument() []byte { return bytes.Clone(openAPIDocument) }

// The routes of the API description; all public (no token).
const (
	openAPIPath = "/api/v1/openapi.yaml"
	docsPath    = "/api/docs"
	docsCSSPath = "/api/docs/docs.css"
)

// registerDocs adds the routes of the API description to e: the document
// itself, a readable page generated from it, and the page's stylesheet
// (the CSP allows no inline style). The page is rendered on first use.
func (s *Server) registerDocs(e *echo.Echo) {
	var (
		once sync.Once
		page []byte
		err  error
	)
	e.GET(openAPIPath, func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", openAPIDocument)
	})
	e.GET(docsPath, func(c echo.Context) error {
		once.Do(func() { page, err = RenderDocs(openAPIDocument) })
		if err != nil {
			return fmt.Errorf("httpapi: API docs page: %w", err)
		}
		return c.HTMLBlob(http.StatusOK, page)
	})
	e.GET(docsCSSPath, func(c echo.Context) error {
		return c.Blob(http.StatusOK, "text/css; charset=utf-8", docsCSS)
	})
}

// RenderDocs renders an OpenAPI 3 document (YAML or JSON) as a standalone
// HTML page: operations grouped by tag, each with its method, path,
// summary, parameters, request body and responses, the schemas rendered as
// JSON, and the component schemas at the end. The page has no script and
// no inline style; it links the stylesheet at /api/docs/docs.css.
func RenderDocs(document []byte) ([]byte, error) {
	d, err := parseDocs(document)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := docsTemplate.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("httpapi: render API docs: %w", err)
	}
	return buf.Bytes(), nil
}

// docsView is what the docs page shows.
type docsView struct {
	Title       string
	Version     string
	Summary     string
	Description template.HTML
	Servers     []string
	Stylesheet  string
	Document    string
	Tags        []docsTag
	Schemas     []docsSchema
}

// docsTag is a group of operations, in the order of the document's tags.
type docsTag struct {
	Name        string
	Anchor      string
	Description template.HTML
	Operations  []docsOperation
}

// docsOperation is one operation as shown.
type docsOperation struct {
	Method      string
	MethodClass string
	Path        string
	Anchor      string
	Summary     string
	Description template.HTML
	Auth        string
	Parameters  []docsParameter
	Body        *docsBody
	Responses   []docsResponse
}

// docsParameter is a parameter or a response header as shown.
type docsParameter struct {
	Name        string
	In          string
	Required    bool
	Schema      string
	Refs        []docsRef
	Description template.HTML
}

// docsBody is a request body as shown.
type docsBody struct {
	Required    bool
	Description template.HTML
	Media       []docsMedia
}

// docsResponse is one status of an operation as shown.
type docsResponse struct {
	Status      string
	Class       string
	Description template.HTML
	Headers     []docsParameter
	Media       []docsMedia
}

// docsMedia is one media type of a body, with its schema as JSON and the
// component schemas it refers to.
type docsMedia struct {
	Type   string
	Schema string
	Refs   []docsRef
}

// docsRef links a component schema.
type docsRef struct {
	Name   string
	Anchor string
}

// docsSchema is a component schema as JSON.
type docsSchema struct {
	Name   string
	Anchor string
	JSON   string
}

// docsDoc is the part of an OpenAPI document the page reads; schemas stay
// YAML nodes so that they keep their order when shown as JSON.
type docsDoc struct {
	OpenAPI string `yaml:"openapi"`
	Info    struct {
		Title       string `yaml:"title"`
		Version     string `yaml:"version"`
		Summary     string `yaml:"summary"`
		Description string `yaml:"description"`
	} `yaml:"info"`
	Servers []struct {
		URL         string `yaml:"url"`
		Description string `yaml:"description"`
	} `yaml:"servers"`
	Security []map[string][]string `yaml:"security"`
	Tags     []struct {
		Name        string `yaml:"name"`
		Description string `yaml:"description"`
	} `yaml:"tags"`
	Paths      yaml.Node `yaml:"paths"`
	Components struct {
		Parameters map[string]docsRawParameter `yaml:"parameters"`
		Responses  map[string]docsRawResponse  `yaml:"responses"`
		Schemas    yaml.Node                   `yaml:"schemas"`
	} `yaml:"components"`
}

// docsRawParameter is a parameter or header as written (maybe a $ref).
type docsRawParameter struct {
	Ref         string    `yaml:"$ref"`
	Name        string    `yaml:"name"`
	In          string    `yaml:"in"`
	Description string    `yaml:"description"`
	Required    bool      `yaml:"required"`
	Schema      yaml.Node `yaml:"schema"`
}

// docsRawResponse is a response as written (maybe a $ref).
type docsRawResponse struct {
	Ref         string                      `yaml:"$ref"`
	Description string                      `yaml:"description"`
	Headers     map[string]docsRawParameter `yaml:"headers"`
	Content     yaml.Node                   `yaml:"content"`
}

// docsRawOperation is an operation as written.
type docsRawOperation struct {
	Tags        []string               `yaml:"tags"`
	Summary     string                 `yaml:"summary"`
	Description string                 `yaml:"description"`
	OperationID string                 `yaml:"operationId"`
	Security    *[]map[string][]string `yaml:"security"`
	Roles       []string               `yaml:"x-roles"`
	Parameters  []docsRawParameter     `yaml:"parameters"`
	RequestBody *struct {
		Required    bool      `yaml:"required"`
		Description string    `yaml:"description"`
		Content     yaml.Node `yaml:"content"`
	} `yaml:"requestBody"`
	Responses yaml.Node `yaml:"responses"`
}

// httpMethods are the keys of a path item that are operations.
var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true,
	"options": true, "head": true, "patch": true, "trace": true}

// parseDocs reads the document into the page's view.
func parseDocs(document []byte) (docsView, error) {
	var d docsDoc
	if err := yaml.Unmarshal(document, &d); err != nil {
		return docsView{}, fmt.Errorf("httpapi: parse OpenAPI document: %w", err)
	}
	if !strings.HasPrefix(d.OpenAPI, "3.") {
		return docsView{}, fmt.Errorf("httpapi: parse OpenAPI document: openapi %q, want 3.x", d.OpenAPI)
	}
	v := docsView{Title: d.Info.Title, Version: d.Info.Version, Summary: d.Info.Summary,
		Description: markup(d.Info.Description), Stylesheet: docsCSSPath, Document: openAPIPath}
	for _, s := range d.Servers {
		v.Servers = append(v.Servers, s.URL)
	}
	tagIndex := map[string]int{}
	for _, t := range d.Tags {
		tagIndex[t.Name] = len(v.Tags)
		v.Tags = append(v.Tags, docsTag{Name: t.Name, Anchor: "tag-" + anchor(t.Name), Description: markup(t.Description)})
	}
	defaultAuth := describeSecurity(d.Security)
	for path, item := range mappingPairs(&d.Paths) {
		var shared []docsRawParameter
		for key, node := range mappingPairs(item) {
			if key == "parameters" {
				if err := node.Decode(&shared); err != nil {
					return docsView{}, fmt.Errorf("httpapi: parameters of %s: %w", path, err)
				}
			}
		}
		for method, node := range mappingPairs(item) {
			if !httpMethods[method] {
				continue
			}
			var raw docsRawOperation
			if err := node.Decode(&raw); err != nil {
				return docsView{}, fmt.Errorf("httpapi: %s %s: %w", strings.ToUpper(method), path, err)
			}
			op, err := d.operation(method, path, raw, append(append([]docsRawParameter(nil), shared...), raw.Parameters...), defaultAuth)
			if err != nil {
				return docsView{}, err
			}
			tag := "Other"
			if len(raw.Tags) > 0 {
				tag = raw.Tags[0]
			}
			i, ok := tagIndex[tag]
			if !ok {
				i = len(v.Tags)
				tagIndex[tag] = i
				v.Tags = append(v.Tags, docsTag{Name: tag, Anchor: "tag-" + anchor(tag)})
			}
			v.Tags[i].Operations = append(v.Tags[i].Operations, op)
		}
	}
	for name, node := range mappingPairs(&d.Components.Schemas) {
		v.Schemas = append(v.Schemas, docsSchema{Name: name, Anchor: schemaAnchor(name), JSON: nodeJSON(node, true)})
	}
	return v, nil
}

func (d *docsDoc) operation(method, path string, raw docsRawOperation, params []docsRawParameter, defaultAuth string) (docsOperation, error) {
	op := docsOperation{Method: strings.ToUpper(method), MethodClass: "method-" + method, Path: path,
		Summary: raw.Summary, Description: markup(raw.Description), Auth: defaultAuth}
	op.Anchor = "op-" + method + anchor(path)
	if raw.OperationID != "" {
		op.Anchor = "op-" + anchor(raw.OperationID)
	}
	if raw.Security != nil {
		op.Auth = describeSecurity(*raw.Security)
	}
	if len(raw.Roles) > 0 && op.Auth != "" {
		op.Auth += " — roles: " + strings.Join(raw.Roles, ", ")
	}
	for _, p := range params {
		rp, err := d.parameter(p)
		if err != nil {
			return docsOperation{}, fmt.Errorf("httpapi: %s %s: %w", op.Method, path, err)
		}
		op.Parameters = append(op.Parameters, rp)
	}
	if rb := raw.RequestBody; rb != nil {
		op.Body = &docsBody{Required: rb.Required, Description: markup(rb.Description), Media: d.media(&rb.Content)}
	}
	for status, node := range mappingPairs(&raw.Responses) {
		var r docsRawResponse
		if err := node.Decode(&r); err != nil {
			return docsOperation{}, fmt.Errorf("httpapi: %s %s response %s: %w", op.Method, path, status, err)
		}
		if r.Ref != "" {
			name := strings.TrimPrefix(r.Ref, "#/components/responses/")
			c, ok := d.Components.Responses[name]
			if !ok {
				return docsOperation{}, fmt.Errorf("httpapi: %s %s response %s: unknown %s", op.Method, path, status, r.Ref)
			}
			r = c
		}
		out := docsResponse{Status: status, Class: "status-" + status[:1] + "xx", Description: markup(r.Description),
			Media: d.media(&r.Content)}
		names := make([]string, 0, len(r.Headers))
		for h := range r.Headers {
			names = append(names, h)
		}
		sort.Strings(names)
		for _, h := range names {
			hp := r.Headers[h]
			hp.Name, hp.In = h, "header"
			rp, err := d.parameter(hp)
			if err != nil {
				return docsOperation{}, fmt.Errorf("httpapi: %s %s response %s: %w", op.Method, path, status, err)
			}
			out.Headers = append(out.Headers, rp)
		}
		op.Responses = append(op.Responses, out)
	}
	return op, nil
}

func (d *docsDoc) parameter(p docsRawParameter) (docsParameter, error) {
	if p.Ref != "" {
		name := strings.TrimPrefix(p.Ref, "#/components/parameters/")
		c, ok := d.Components.Parameters[name]
		if !ok {
			return docsParameter{}, fmt.Errorf("unknown parameter %s", p.Ref)
		}
		p = c
	}
	return docsParameter{Name: p.Name, In: p.In, Required: p.Required, Schema: nodeJSON(&p.Schema, false),
		Refs: refs(&p.Schema), Description: markup(p.Description)}, nil
}

// media lists the media types of a content map. A schema that is only a
// reference to a component is shown as that component.
func (d *docsDoc) media(content *yaml.Node) []docsMedia {
	var out []docsMedia
	for typ, node := range mappingPairs(content) {
		m := docsMedia{Type: typ}
		for key, schema := range mappingPairs(node) {
			if key != "schema" {
				continue
			}
			m.Refs = refs(schema)
			shown := schema
			if len(schema.Content) == 2 && schema.Content[0].Value == "$ref" {
				if c := d.schema(schema.Content[1].Value); c != nil {
					shown = c
				}
			}
			m.Schema = nodeJSON(shown, true)
		}
		out = append(out, m)
	}
	return out
}

// schema returns the component schema a local reference names, or nil.
func (d *docsDoc) schema(ref string) *yaml.Node {
	name, ok := strings.CutPrefix(ref, "#/components/schemas/")
	if !ok {
		return nil
	}
	for k, n := range mappingPairs(&d.Components.Schemas) {
		if k == name {
			return n
		}
	}
	return nil
}

// describeSecurity says what an operation's security requirements ask for.
func describeSecurity(reqs []map[string][]string) string {
	if len(reqs) == 0 {
		return "public (no token)"
	}
	var names []string
	for _, r := range reqs {
		for k := range r {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return "requires " + strings.Join(names, " or ")
}

// mappingPairs yields the keys and values of a YAML mapping node (through
// a document node), in document order.
func mappingPairs(n *yaml.Node) iter.Seq2[string, *yaml.Node] {
	return func(yield func(string, *yaml.Node) bool) {
		if n == nil {
			return
		}
		if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			n = n.Content[0]
		}
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !yield(n.Content[i].Value, n.Content[i+1]) {
				return
			}
		}
	}
}

// nodeJSON writes a YAML node as JSON, keeping the order of mapping keys;
// indented when pretty, else on one line.
func nodeJSON(n *yaml.Node, pretty bool) string {
	if n == nil || n.Kind == 0 {
		return ""
	}
	var b strings.Builder
	writeNodeJSON(&b, n, pretty, "")
	return b.String()
}

func writeNodeJSON(b *strings.Builder, n *yaml.Node, pretty bool, indent string) {
	inner, sep, colon := indent+"  ", ",", ": "
	if !pretty {
		inner, sep = "", ", "
	}
	newline := func(ind string) {
		if pretty {
			b.WriteString("\n" + ind)
		}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 1 {
			writeNodeJSON(b, n.Content[0], pretty, indent)
		}
	case yaml.AliasNode:
		writeNodeJSON(b, n.Alias, pretty, indent)
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			b.WriteString("{}")
			return
		}
		if pretty && flat(n) {
			writeNodeJSON(b, n, false, indent) // {"type": "string"} reads better on one line
			return
		}
		b.WriteString("{")
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteString(sep)
			}
			newline(inner)
			key, _ := json.Marshal(n.Content[i].Value)
			b.Write(key)
			b.WriteString(colon)
			writeNodeJSON(b, n.Content[i+1], pretty, inner)
		}
		newline(indent)
		b.WriteString("}")
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			b.WriteString("[]")
			return
		}
		scalars := true
		for _, c := range n.Content {
			scalars = scalars && c.Kind == yaml.ScalarNode
		}
		b.WriteString("[")
		for i, c := range n.Content {
			if i > 0 {
				b.WriteString(", ")
			}
			if !scalars {
				newline(inner)
			}
			writeNodeJSON(b, c, pretty, inner)
		}
		if !scalars {
			newline(indent)
		}
		b.WriteString("]")
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			v = n.Value
		}
		out, err := json.Marshal(v)
		if err != nil {
			out, _ = json.Marshal(n.Value)
		}
		b.Write(out)
	}
}

// flat reports whether a mapping is small and holds only scalars and
// lists of scalars, so that it fits on one line.
func flat(n *yaml.Node) bool {
	if len(n.Content) > 8 {
		return false
	}
	width := 0
	for _, c := range n.Content {
		switch c.Kind {
		case yaml.ScalarNode:
			width += len(c.Value) + 4
		case yaml.SequenceNode:
			for _, e := range c.Content {
				if e.Kind != yaml.ScalarNode {
					return false
				}
				width += len(e.Value) + 4
			}
		default:
			return false
		}
	}
	return width <= 100
}

// refs lists the component schemas a schema refers to, in order of first
// appearance.
func refs(n *yaml.Node) []docsRef {
	var out []docsRef
	seen := map[string]bool{}
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil {
			return
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == "$ref" {
					name := strings.TrimPrefix(n.Content[i+1].Value, "#/components/schemas/")
					if !seen[name] {
						seen[name] = true
						out = append(out, docsRef{Name: name, Anchor: schemaAnchor(name)})
					}
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return out
}

var nonAnchor = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func anchor(s string) string { return strings.Trim(nonAnchor.ReplaceAllString(s, "-"), "-") }

func schemaAnchor(name string) string { return "schema-" + anchor(name) }

var (
	inlineCode = regexp.MustCompile("`([^`]+)`")
	inlineBold = regexp.MustCompile(`\*\*([^*]+)\*\*`)
)

// markup turns the little Markdown the document uses (paragraphs, `code`,
// **bold**) into HTML. The text is escaped first, so the result is safe.
func markup(s string) template.HTML {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		para = strings.Join(strings.Fields(para), " ")
		if para == "" {
			continue
		}
		esc := template.HTMLEscapeString(para)
		esc = inlineCode.ReplaceAllString(esc, "<code>$1</code>")
		esc = inlineBold.ReplaceAllString(esc, "<strong>$1</strong>")
		b.WriteString("<p>" + esc + "</p>")
	}
	return template.HTML(b.String()) // built from escaped text and fixed tags only
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} {{.Version}}</title>
<link rel="stylesheet" href="{{.Stylesheet}}">
</head>
<body>
<header class="top">
<h1>{{.Title}} <span class="version">{{.Version}}</span></h1>
{{with .Summary}}<p class="summary">{{.}}</p>{{end}}
<p>The OpenAPI 3.1 document: <a href="{{.Document}}">{{.Document}}</a>{{range .Servers}} · server <code>{{.}}</code>{{end}}</p>
</header>
<div class="layout">
<nav aria-label="Operations">
<ul>
{{range .Tags}}{{if .Operations}}<li><a href="#{{.Anchor}}">{{.Name}}</a>
<ul>{{range .Operations}}<li><a href="#{{.Anchor}}"><span class="method {{.MethodClass}}">{{.Method}}</span> {{.Path}}</a></li>{{end}}</ul>
</li>{{end}}{{end}}<li><a href="#schemas">Schemas</a></li>
</ul>
</nav>
<main>
<section class="intro">{{.Description}}</section>
{{range .Tags}}{{if .Operations}}<section class="tag" id="{{.Anchor}}">
<h2>{{.Name}}</h2>
{{.Description}}
{{range .Operations}}<article class="operation" id="{{.Anchor}}">
<h3><span class="method {{.MethodClass}}">{{.Method}}</span> <code class="path">{{.Path}}</code></h3>
<p class="op-summary">{{.Summary}}</p>
<p class="auth">{{.Auth}}</p>
{{.Description}}
{{if .Parameters}}<h4>Parameters</h4>
<table>
<thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Schema</th><th scope="col">Description</th></tr></thead>
<tbody>{{range .Parameters}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="required">required</span>{{end}}</td><td>{{.In}}</td><td><code>{{.Schema}}</code>{{range .Refs}} <a href="#{{.Anchor}}">{{.Name}}</a>{{end}}</td><td>{{.Description}}</td></tr>{{end}}</tbody>
</table>{{end}}
{{with .Body}}<h4>Request body{{if .Required}} <span class="required">required</span>{{end}}</h4>
{{.Description}}
{{range .Media}}<p class="media"><code>{{.Type}}</code>{{range .Refs}} <a href="#{{.Anchor}}">{{.Name}}</a>{{end}}</p>
{{with .Schema}}<details><summary>Schema</summary><pre>{{.}}</pre></details>{{end}}{{end}}{{end}}
<h4>Responses</h4>
<dl class="responses">
{{range .Responses}}<dt class="{{.Class}}">{{.Status}}</dt>
<dd>{{.Description}}
{{range .Headers}}<p class="header">Header <code>{{.Name}}</code>{{if .Required}} (always){{end}}: {{.Description}}</p>{{end}}
{{range .Media}}<p class="media"><code>{{.Type}}</code>{{range .Refs}} <a href="#{{.Anchor}}">{{.Name}}</a>{{end}}</p>
{{with .Schema}}<details><summary>Schema</summary><pre>{{.}}</pre></details>{{end}}{{end}}</dd>
{{end}}</dl>
</article>
{{end}}</section>
{{end}}{{end}}<section id="schemas">
<h2>Schemas</h2>
{{range .Schemas}}<article class="schema" id="{{.Anchor}}">
<h3>{{.Name}}</h3>
<pre>{{.JSON}}</pre>
</article>
{{end}}</section>
</main>
</div>
</body>
</html>
`))
