// Package metrics owns casemgr's operational metrics and their exposition
// at GET /metrics in the Prometheus text format (version 0.0.4).
//
// Registry is a small, dependency-free implementation of that format:
// counters, gauges and histograms with labels, and families computed at
// scrape time. Every Registry stands alone; nothing is global.
//
// Metrics is casemgr's set, built on one Registry: HTTP requests by route
// template, method and status, their latency histograms by route, requests
// in flight, the connection pools of the database (sql.DBStats of the write
// and read pools), the length of the audit chain (the head seq), and the
// stored flags by rule and severity (a GROUP BY over case_flags, cached for
// a minute because it reads the whole table). Labels never hold a raw path,
// a case id, a name or any other victim data.
package metrics
