package metrics

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/store"
)

// FlagsCacheTTL is how long the flag counts are reused between scrapes.
const FlagsCacheTTL = time.Minute

// collectTimeout bounds the database queries of one scrape.
const collectTimeout = 10 * time.Second

// LatencyBuckets are the upper bounds, in seconds, of the request latency
// histograms.
var LatencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Metrics are casemgr's metrics (see the package comment).
type Metrics struct {
	reg      *prometheus.Registry
	handler  http.Handler
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight *prometheus.GaugeVec
	log      atomic.Pointer[slog.Logger]

	db       *store.DB
	now      func() time.Time
	flags    flagCache
	minCount atomic.Int64
}

// DefaultSmallCount is the default small-cell threshold of the flag
// counts: a count below it is reported as 0.
const DefaultSmallCount = 5

type flagCount struct {
	Rule, Severity string
	N              int64
}

type flagCache struct {
	mu   sync.Mutex
	at   time.Time
	rows []flagCount
}

// New builds the metrics of a casemgr on db, on a registry of their own.
// now is the clock of the flag counts' cache.
func New(db *store.DB, now func() time.Time) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), db: db, now: now,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "casemgr_http_requests_total",
			Help: "HTTP requests answered, by method, route template and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "casemgr_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method and route template.",
			Buckets: LatencyBuckets,
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "casemgr_http_requests_in_flight",
			Help: "HTTP requests being answered now, by route template.",
		}, []string{"route"}),
	}
	m.minCount.Store(DefaultSmallCount)
	m.reg.MustRegister(m.requests, m.duration, m.inFlight,
		newPoolCollector(db),
		&funcCollector{
			desc: prometheus.NewDesc("casemgr_audit_chain_length",
				"Records in the audit chain (the seq of audit_head).", nil, nil),
			kind: prometheus.GaugeValue,
			collect: func(ctx context.Context, emit func(float64, ...string)) error {
				seq, _, err := audit.Head(db.Read.WithContext(ctx))
				if err != nil {
					return err // "audit: read audit_head: ..."
				}
				emit(float64(seq))
				return nil
			},
		},
		&funcCollector{
			desc: prometheus.NewDesc("casemgr_case_flags",
				"Stored flags of cases by rule and severity, as of their last evaluation (refreshed at most once a minute).",
				[]string{"rule", "severity"}, nil),
			kind: prometheus.GaugeValue,
			collect: func(ctx context.Context, emit func(float64, ...string)) error {
				rows, err := m.flagCounts(ctx)
				if err != nil {
					return err
				}
				small := m.minCount.Load()
				for _, c := range rows {
					n := c.N
					if n < small {
						n = 0 // a small count across shelters can point at a person
					}
					emit(float64(n), c.Rule, c.Severity)
				}
				return nil
			},
		},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      errorLog{m},
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.reg, // counts failed collections in promhttp_metric_handler_errors_total
	})
	return m
}

// SetSmallCount sets the small-cell threshold of the flag counts (the
// reports' reports.small_cell_threshold): a count from 1 to n-1 is
// reported as 0, so a scrape never shows that one or two victims carry a
// flag. 1 or less reports every count exactly.
func (m *Metrics) SetSmallCount(n int) { m.minCount.Store(int64(n)) }

// RequireToken wraps h so that it answers only requests that carry
// "Authorization: Bearer <token>" (compared in constant time); others get
// 401 with a WWW-Authenticate challenge. An empty token serves nothing:
// every request gets 404, as if the route did not exist.
func RequireToken(token string, h http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token == "" {
			http.NotFound(w, r)
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics: a bearer token is required (metrics.token)", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// SetLog sets the logger of the families that fail to be collected (nil:
// not logged). It may be called while scrapes are served.
func (m *Metrics) SetLog(log *slog.Logger) { m.log.Store(log) }

// errorLog adapts the handler's errors to the logger set with SetLog,
// on one line.
type errorLog struct{ m *Metrics }

// Println logs v at the error level.
func (l errorLog) Println(v ...any) {
	log := l.m.log.Load()
	if log == nil {
		return
	}
	parts := make([]string, 0, len(v))
	for _, x := range v {
		var multi prometheus.MultiError
		if err, ok := x.(error); ok && errors.As(err, &multi) {
			for _, e := range multi {
				parts = append(parts, e.Error())
			}
			continue
		}
		parts = append(parts, strings.TrimSuffix(fmt.Sprint(x), ":"))
	}
	log.Error("metrics", slog.String("error", strings.Join(parts, "; ")))
}

func (m *Metrics) flagCounts(ctx context.Context) ([]flagCount, error) {
	m.flags.mu.Lock()
	defer m.flags.mu.Unlock()
	now := m.now()
	if m.flags.rows != nil && now.Sub(m.flags.at) < FlagsCacheTTL && !now.Before(m.flags.at) {
		return m.flags.rows, nil
	}
	rows := []flagCount{}
	err := m.db.Read.WithContext(ctx).Raw(
		"SELECT rule, severity, COUNT(*) AS n FROM case_flags GROUP BY rule, severity ORDER BY rule, severity").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count flags: %w", err)
	}
	m.flags.rows, m.flags.at = rows, now
	return rows, nil
}

// StartRequest records the start of a request on a route template (""
// for a path that matched no route) and returns the function that records
// its end with the status code.
func (m *Metrics) StartRequest(method, route string) func(status int) {
	if route == "" {
		route = "unmatched"
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
	default:
		method = "OTHER" // label values stay a small, known set
	}
	start := time.Now()
	inFlight := m.inFlight.WithLabelValues(route)
	inFlight.Inc()
	return func(status int) {
		inFlight.Dec()
		m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
		m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
	}
}

// Handler serves GET /metrics from the registry (promhttp.HandlerFor).
func (m *Metrics) Handler() http.Handler { return m.handler }

// Registry returns the registry, to add metrics of other parts.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// funcCollector is one family computed at every scrape: collect calls
// emit once per label set. When collect fails, the family is left out of
// the scrape and the error is reported to the registry.
type funcCollector struct {
	desc    *prometheus.Desc
	kind    prometheus.ValueType
	collect func(ctx context.Context, emit func(v float64, labelValues ...string)) error
}

// Describe sends the family's one description.
func (c *funcCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect computes the family, within collectTimeout.
func (c *funcCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), collectTimeout)
	defer cancel()
	var out []prometheus.Metric
	err := c.collect(ctx, func(v float64, labelValues ...string) {
		out = append(out, prometheus.MustNewConstMetric(c.desc, c.kind, v, labelValues...))
	})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for _, metric := range out {
		ch <- metric
	}
}

// poolStat is one family of sql.DBStats.
type poolStat struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(s sql.DBStats) float64
}

// poolCollector reports sql.DBStats of the write and read pools, labelled
// pool="write" and pool="read" (pool="shared" when both handles share one
// pool, as on PostgreSQL).
type poolCollector struct {
	db    *store.DB
	stats []poolStat
}

func newPoolCollector(db *store.DB) *poolCollector {
	stat := func(name, help string, kind prometheus.ValueType, value func(s sql.DBStats) float64) poolStat {
		return poolStat{desc: prometheus.NewDesc(name, help, []string{"pool"}, nil), kind: kind, value: value}
	}
	return &poolCollector{db: db, stats: []poolStat{
		stat("casemgr_db_open_connections", "Open connections of the database pool (write: the one SQLite writer).",
			prometheus.GaugeValue, func(s sql.DBStats) float64 { return float64(s.OpenConnections) }),
		stat("casemgr_db_in_use_connections", "Connections of the pool in use.",
			prometheus.GaugeValue, func(s sql.DBStats) float64 { return float64(s.InUse) }),
		stat("casemgr_db_idle_connections", "Idle connections of the pool.",
			prometheus.GaugeValue, func(s sql.DBStats) float64 { return float64(s.Idle) }),
		stat("casemgr_db_max_open_connections", "Maximum open connections of the pool.",
			prometheus.GaugeValue, func(s sql.DBStats) float64 { return float64(s.MaxOpenConnections) }),
		stat("casemgr_db_wait_count_total", "Times a request waited for a connection of the pool.",
			prometheus.CounterValue, func(s sql.DBStats) float64 { return float64(s.WaitCount) }),
		stat("casemgr_db_wait_duration_seconds_total", "Time spent waiting for a connection of the pool.",
			prometheus.CounterValue, func(s sql.DBStats) float64 { return s.WaitDuration.Seconds() }),
	}}
}

// Describe sends the description of every pool family.
func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, s := range c.stats {
		ch <- s.desc
	}
}

// Collect reads the pools' statistics once and reports every family.
func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	names, pools, err := c.pools()
	if err != nil {
		for _, s := range c.stats {
			ch <- prometheus.NewInvalidMetric(s.desc, err)
		}
		return
	}
	stats := make([]sql.DBStats, len(pools))
	for i, p := range pools {
		stats[i] = p.Stats()
	}
	for _, s := range c.stats {
		for i, st := range stats {
			ch <- prometheus.MustNewConstMetric(s.desc, s.kind, s.value(st), names[i])
		}
	}
}

func (c *poolCollector) pools() ([]string, []*sql.DB, error) {
	w, err := c.db.Write.DB()
	if err != nil {
		return nil, nil, fmt.Errorf("write pool: %w", err)
	}
	r, err := c.db.Read.DB()
	if err != nil {
		return nil, nil, fmt.Errorf("read pool: %w", err)
	}
	if r == w {
		return []string{"shared"}, []*sql.DB{w}, nil
	}
	return []string{"write", "read"}, []*sql.DB{w, r}, nil
}
