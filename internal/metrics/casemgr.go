package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/store"
)

// FlagsCacheTTL is how long the flag counts are reused between scrapes.
const FlagsCacheTTL = time.Minute

// LatencyBuckets are the upper bounds, in seconds, of the request latency
// histograms.
var LatencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Metrics are casemgr's metrics (see the package comment).
type Metrics struct {
	reg      *Registry
	requests *CounterVec
	duration *HistogramVec
	inFlight *GaugeVec

	db    *store.DB
	now   func() time.Time
	flags flagCache
}

type flagCount struct {
	Rule, Severity string
	N              int64
}

type flagCache struct {
	mu   sync.Mutex
	at   time.Time
	rows []flagCount
}

// New builds the metrics of a casemgr on db. now is the clock of the flag
// counts' cache.
func New(db *store.DB, now func() time.Time) *Metrics {
	r := NewRegistry()
	m := &Metrics{reg: r, db: db, now: now,
		requests: r.NewCounterVec("casemgr_http_requests_total",
			"HTTP requests answered, by method, route template and status code.", "method", "route", "status"),
		duration: r.NewHistogramVec("casemgr_http_request_duration_seconds",
			"Time to answer an HTTP request, by method and route template.", LatencyBuckets, "method", "route"),
		inFlight: r.NewGaugeVec("casemgr_http_requests_in_flight",
			"HTTP requests being answered now, by route template.", "route"),
	}
	pools := func() ([]string, []*sql.DB, error) {
		w, err := db.Write.DB()
		if err != nil {
			return nil, nil, err
		}
		rd, err := db.Read.DB()
		if err != nil {
			return nil, nil, err
		}
		if rd == w {
			return []string{"shared"}, []*sql.DB{w}, nil
		}
		return []string{"write", "read"}, []*sql.DB{w, rd}, nil
	}
	stat := func(f func(s sql.DBStats) float64) CollectFunc {
		return func(_ context.Context, emit func(float64, ...string)) error {
			names, dbs, err := pools()
			if err != nil {
				return err
			}
			for i, d := range dbs {
				emit(f(d.Stats()), names[i])
			}
			return nil
		}
	}
	pool := []string{"pool"}
	r.NewGaugeFunc("casemgr_db_open_connections", "Open connections of the database pool (write: the one SQLite writer).", pool,
		stat(func(s sql.DBStats) float64 { return float64(s.OpenConnections) }))
	r.NewGaugeFunc("casemgr_db_in_use_connections", "Connections of the pool in use.", pool,
		stat(func(s sql.DBStats) float64 { return float64(s.InUse) }))
	r.NewGaugeFunc("casemgr_db_idle_connections", "Idle connections of the pool.", pool,
		stat(func(s sql.DBStats) float64 { return float64(s.Idle) }))
	r.NewGaugeFunc("casemgr_db_max_open_connections", "Maximum open connections of the pool.", pool,
		stat(func(s sql.DBStats) float64 { return float64(s.MaxOpenConnections) }))
	r.NewCounterFunc("casemgr_db_wait_count_total", "Times a request waited for a connection of the pool.", pool,
		stat(func(s sql.DBStats) float64 { return float64(s.WaitCount) }))
	r.NewCounterFunc("casemgr_db_wait_duration_seconds_total", "Time spent waiting for a connection of the pool.", pool,
		stat(func(s sql.DBStats) float64 { return s.WaitDuration.Seconds() }))
	r.NewGaugeFunc("casemgr_audit_chain_length", "Records in the audit chain (the seq of audit_head).", nil,
		func(ctx context.Context, emit func(float64, ...string)) error {
			seq, _, err := audit.Head(db.Read.WithContext(ctx))
			if err != nil {
				return err
			}
			emit(float64(seq))
			return nil
		})
	r.NewGaugeFunc("casemgr_case_flags", "Stored flags of cases by rule and severity, as of their last evaluation (refreshed at most once a minute).",
		[]string{"rule", "severity"}, func(ctx context.Context, emit func(float64, ...string)) error {
			rows, err := m.flagCounts(ctx)
			if err != nil {
				return err
			}
			for _, c := range rows {
				emit(float64(c.N), c.Rule, c.Severity)
			}
			return nil
		})
	r.NewGaugeFunc("go_goroutines", "Goroutines of the process.", nil, func(_ context.Context, emit func(float64, ...string)) error {
		emit(float64(runtime.NumGoroutine()))
		return nil
	})
	return m
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
	m.inFlight.Add(1, route)
	return func(status int) {
		m.inFlight.Add(-1, route)
		m.requests.Inc(method, route, strconv.Itoa(status))
		m.duration.Observe(time.Since(start).Seconds(), method, route)
	}
}

// Handler serves GET /metrics.
func (m *Metrics) Handler() http.Handler { return m.reg }

// Registry returns the registry, to add metrics of other parts.
func (m *Metrics) Registry() *Registry { return m.reg }
