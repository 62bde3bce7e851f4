package web

import (
	"sort"
	"strings"
)

// The error summary (templates/partials.html "errors"): every form that
// can be refused lists its problems at its top, each linked to its field,
// so that a user who cannot see the whole form (a phone, a screen reader,
// a long form) learns at once what to fix and gets there in one move.

// errSummary is the summary of one refused form.
type errSummary struct {
	Title string
	Items []errItem
}

// errItem is one problem: the id of the field it is about ("" for the
// whole form) and its text ("label: message").
type errItem struct {
	ID, Text string
}

// fieldRef names a form field for its summary line: the name the service
// uses in its errors, the id of the input, and its label.
type fieldRef struct {
	Name, ID, Label string
}

// summarize builds the summary of a form (nil when it has no error): the
// error of the whole form first, then each field's in the order of
// fields, then the errors of fields not listed, without a link.
func (p *page) summarize(f *formState, title string, fields []fieldRef) *errSummary {
	if f == nil || !f.HasErrors() {
		return nil
	}
	s := &errSummary{Title: title}
	if f.Error != "" {
		s.Items = append(s.Items, errItem{Text: f.Error})
	}
	seen := map[string]bool{}
	for _, fr := range fields {
		if msg := f.Err(fr.Name); msg != "" && !seen[fr.Name] {
			seen[fr.Name] = true
			s.Items = append(s.Items, errItem{ID: fr.ID, Text: p.T("form.pair", fr.Label, msg)})
		}
	}
	for _, name := range sortedKeys(f.Errors) {
		if !seen[name] {
			s.Items = append(s.Items, errItem{Text: p.T("form.pair", name, f.Errors[name])})
		}
	}
	return s
}

// Problems is summarize for a template: each field is given as
// "name:id:label key".
func (p *page) Problems(f *formState, fields ...string) *errSummary {
	refs := make([]fieldRef, 0, len(fields))
	for _, spec := range fields {
		parts := strings.SplitN(spec, ":", 3)
		if len(parts) != 3 {
			continue
		}
		refs = append(refs, fieldRef{Name: parts[0], ID: parts[1], Label: p.T(parts[2])})
	}
	return p.summarize(f, p.T("form.problems"), refs)
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
