package metrics

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Registry holds metric families and writes them in the Prometheus text
// exposition format (version 0.0.4). Each Registry is independent: there
// is no default, global registry.
type Registry struct {
	mu       sync.Mutex
	families map[string]family
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{families: map[string]family{}} }

type family interface {
	header() (name, help, kind string)
	// samples appends the family's samples; an error skips the family.
	samples(ctx context.Context, out []sample) ([]sample, error)
}

type sample struct {
	suffix string // "", "_bucket", "_sum", "_count"
	labels []labelPair
	value  float64
}

type labelPair struct{ name, value string }

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// register adds f; it panics on an invalid or duplicate name, which is a
// programming error like a malformed regular expression.
func (r *Registry) register(f family, labels []string) {
	name, _, _ := f.header()
	if !metricName.MatchString(name) {
		panic(fmt.Sprintf("metrics: invalid metric name %q", name))
	}
	for _, l := range labels {
		if !labelName.MatchString(l) || strings.HasPrefix(l, "__") || l == "le" {
			panic(fmt.Sprintf("metrics: invalid label name %q on %s", l, name))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.families[name]; dup {
		panic(fmt.Sprintf("metrics: %s registered twice", name))
	}
	r.families[name] = f
}

// WriteText writes every family, sorted by name, in the text format;
// ctx bounds the families computed at scrape time. Families whose
// collection fails are left out; their errors are returned joined after
// everything else was written.
func (r *Registry) WriteText(ctx context.Context, w io.Writer) error {
	r.mu.Lock()
	names := make([]string, 0, len(r.families))
	for n := range r.families {
		names = append(names, n)
	}
	fams := make([]family, 0, len(names))
	sort.Strings(names)
	for _, n := range names {
		fams = append(fams, r.families[n])
	}
	r.mu.Unlock()
	bw := bufio.NewWriter(w)
	var errs []string
	var buf []sample
	for _, f := range fams {
		name, help, kind := f.header()
		var err error
		buf, err = f.samples(ctx, buf[:0])
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(help), name, kind)
		for _, s := range buf {
			bw.WriteString(name)
			bw.WriteString(s.suffix)
			if len(s.labels) > 0 {
				bw.WriteByte('{')
				for i, l := range s.labels {
					if i > 0 {
						bw.WriteByte(',')
					}
					bw.WriteString(l.name)
					bw.WriteString(`="`)
					bw.WriteString(escapeLabel(l.value))
					bw.WriteByte('"')
				}
				bw.WriteByte('}')
			}
			bw.WriteByte(' ')
			bw.WriteString(formatFloat(s.value))
			bw.WriteByte('\n')
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if len(errs) > 0 {
		return fmt.Errorf("metrics: %s", strings.Join(errs, "; "))
	}
	return nil
}

// ServeHTTP answers a scrape in the text format.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	var sb strings.Builder
	err := r.WriteText(req.Context(), &sb)
	if err != nil {
		// Partial output is still useful; say what is missing.
		sb.WriteString("# collection errors: " + strings.ReplaceAll(err.Error(), "\n", " ") + "\n")
	}
	io.WriteString(w, sb.String())
}

func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(s)
}

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// desc is what every family has.
type desc struct {
	name, help, kind string
	labels           []string
}

func (d *desc) header() (string, string, string) { return d.name, d.help, d.kind }

func (d *desc) pairs(values []string) []labelPair {
	out := make([]labelPair, len(d.labels))
	for i, l := range d.labels {
		out[i] = labelPair{l, values[i]}
	}
	return out
}

func (d *desc) key(values []string) string {
	if len(values) != len(d.labels) {
		panic(fmt.Sprintf("metrics: %s takes %d label values, got %d", d.name, len(d.labels), len(values)))
	}
	return strings.Join(values, "\xff")
}

// vec holds one value per label set.
type vec[V any] struct {
	desc
	mu     sync.Mutex
	values map[string]*V
	labels map[string][]string
	newV   func() *V
}

func (v *vec[V]) with(values []string, f func(*V)) {
	k := v.key(values)
	v.mu.Lock()
	defer v.mu.Unlock()
	x, ok := v.values[k]
	if !ok {
		x = v.newV()
		v.values[k] = x
		v.labels[k] = append([]string(nil), values...)
	}
	f(x)
}

// sorted calls f for each label set in order of its values.
func (v *vec[V]) sorted(f func(labels []string, x *V)) {
	v.mu.Lock()
	defer v.mu.Unlock()
	keys := make([]string, 0, len(v.values))
	for k := range v.values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f(v.labels[k], v.values[k])
	}
}

// CounterVec is a counter per label set.
type CounterVec struct{ v vec[float64] }

// NewCounterVec registers a counter family.
func (r *Registry) NewCounterVec(name, help string, labels ...string) *CounterVec {
	c := &CounterVec{v: vec[float64]{desc: desc{name, help, "counter", labels}, values: map[string]*float64{},
		labels: map[string][]string{}, newV: func() *float64 { return new(float64) }}}
	r.register(c, labels)
	return c
}

// Add adds d (>= 0) to the counter of the label values.
func (c *CounterVec) Add(d float64, values ...string) {
	if d < 0 {
		panic("metrics: a counter cannot decrease")
	}
	c.v.with(values, func(x *float64) { *x += d })
}

// Inc adds one.
func (c *CounterVec) Inc(values ...string) { c.Add(1, values...) }

func (c *CounterVec) header() (string, string, string) { return c.v.header() }

func (c *CounterVec) samples(_ context.Context, out []sample) ([]sample, error) {
	c.v.sorted(func(l []string, x *float64) { out = append(out, sample{labels: c.v.pairs(l), value: *x}) })
	return out, nil
}

// GaugeVec is a gauge per label set.
type GaugeVec struct{ v vec[float64] }

// NewGaugeVec registers a gauge family.
func (r *Registry) NewGaugeVec(name, help string, labels ...string) *GaugeVec {
	g := &GaugeVec{v: vec[float64]{desc: desc{name, help, "gauge", labels}, values: map[string]*float64{},
		labels: map[string][]string{}, newV: func() *float64 { return new(float64) }}}
	r.register(g, labels)
	return g
}

// Add adds d (which may be negative) to the gauge of the label values.
func (g *GaugeVec) Add(d float64, values ...string) { g.v.with(values, func(x *float64) { *x += d }) }

// Set sets the gauge of the label values.
func (g *GaugeVec) Set(v float64, values ...string) { g.v.with(values, func(x *float64) { *x = v }) }

func (g *GaugeVec) header() (string, string, string) { return g.v.header() }

func (g *GaugeVec) samples(_ context.Context, out []sample) ([]sample, error) {
	g.v.sorted(func(l []string, x *float64) { out = append(out, sample{labels: g.v.pairs(l), value: *x}) })
	return out, nil
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

// HistogramVec is a histogram per label set.
type HistogramVec struct {
	v       vec[histogram]
	buckets []float64
}

// NewHistogramVec registers a histogram family with the given upper
// bounds (sorted, without +Inf, which is implied).
func (r *Registry) NewHistogramVec(name, help string, buckets []float64, labels ...string) *HistogramVec {
	if !sort.Float64sAreSorted(buckets) || len(buckets) == 0 {
		panic(fmt.Sprintf("metrics: %s: buckets must be sorted and non-empty", name))
	}
	b := append([]float64(nil), buckets...)
	h := &HistogramVec{buckets: b, v: vec[histogram]{desc: desc{name, help, "histogram", labels},
		values: map[string]*histogram{}, labels: map[string][]string{},
		newV: func() *histogram { return &histogram{counts: make([]uint64, len(b))} }}}
	r.register(h, labels)
	return h
}

// Observe records one value.
func (h *HistogramVec) Observe(x float64, values ...string) {
	i := sort.SearchFloat64s(h.buckets, x) // first bound >= x
	h.v.with(values, func(v *histogram) {
		if i < len(v.counts) {
			v.counts[i]++
		}
		v.sum += x
		v.count++
	})
}

func (h *HistogramVec) header() (string, string, string) { return h.v.header() }

func (h *HistogramVec) samples(_ context.Context, out []sample) ([]sample, error) {
	h.v.sorted(func(l []string, v *histogram) {
		base := h.v.pairs(l)
		var cum uint64
		for i, b := range h.buckets {
			cum += v.counts[i]
			out = append(out, sample{suffix: "_bucket", labels: append(base[:len(base):len(base)], labelPair{"le", formatFloat(b)}), value: float64(cum)})
		}
		out = append(out,
			sample{suffix: "_bucket", labels: append(base[:len(base):len(base)], labelPair{"le", "+Inf"}), value: float64(v.count)},
			sample{suffix: "_sum", labels: base, value: v.sum},
			sample{suffix: "_count", labels: base, value: float64(v.count)})
	})
	return out, nil
}

// funcFamily is a family whose samples are computed at scrape time.
type funcFamily struct {
	desc
	collect CollectFunc
}

// CollectFunc computes a family at scrape time: it calls emit once per
// label set.
type CollectFunc func(ctx context.Context, emit func(v float64, values ...string)) error

// NewGaugeFunc registers a gauge family computed at every scrape by
// collect.
func (r *Registry) NewGaugeFunc(name, help string, labels []string, collect CollectFunc) {
	r.register(&funcFamily{desc: desc{name, help, "gauge", labels}, collect: collect}, labels)
}

// NewCounterFunc registers a counter family read at every scrape (for
// totals kept elsewhere, such as sql.DBStats.WaitCount).
func (r *Registry) NewCounterFunc(name, help string, labels []string, collect CollectFunc) {
	r.register(&funcFamily{desc: desc{name, help, "counter", labels}, collect: collect}, labels)
}

func (f *funcFamily) samples(ctx context.Context, out []sample) ([]sample, error) {
	start := len(out)
	err := f.collect(ctx, func(v float64, values ...string) {
		f.key(values) // checks the count
		out = append(out, sample{labels: f.pairs(values), value: v})
	})
	if err != nil {
		return out[:start], err
	}
	part := out[start:]
	sort.SliceStable(part, func(i, j int) bool {
		a, b := part[i].labels, part[j].labels
		for k := range a {
			if a[k].value != b[k].value {
				return a[k].value < b[k].value
			}
		}
		return false
	})
	return out, nil
}
