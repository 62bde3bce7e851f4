// Package metrics owns casemgr's operational metrics and their exposition
// at GET /metrics in the Prometheus text format, built on
// github.com/prometheus/client_golang.
//
// Metrics holds its own prometheus.Registry (nothing is registered with
// the default, global one) with casemgr's set: HTTP requests by method,
// route template and status, their latency histograms by method and route,
// requests in flight by route, the connection pools of the database
// (sql.DBStats of the write and read pools), the length of the audit chain
// (the head seq), the stored flags by rule and severity (a GROUP BY over
// case_flags, cached for FlagsCacheTTL because it reads the whole table),
// and the standard go_* and process_* collectors. Labels never hold a raw
// path, a case id, a name or any other victim data.
//
// The families read from the database are computed at scrape time. One
// that fails is left out of that scrape, the others are still served, the
// failure is counted in promhttp_metric_handler_errors_total{cause="gathering"}
// and logged when a logger was set with SetLog.
package metrics
