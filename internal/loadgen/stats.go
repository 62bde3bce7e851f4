package loadgen

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Op names a kind of request.
type Op string

// The requests of a run.
const (
	OpCreate    Op = "create_case" // setup: each client's own cases
	OpGetCase   Op = "get_case"    // GET /api/v1/cases/{id}
	OpList      Op = "list"        // GET /api/v1/cases (first page)
	OpDeadlines Op = "deadlines"   // GET /api/v1/deadlines
	OpEvent     Op = "event"       // POST /api/v1/cases/{id}/events
	OpEcho      Op = "echo"        // baseline: GET of a bare handler
	OpCommit    Op = "commit"      // baseline: one-row durable commit
	OpHealthz   Op = "healthz"     // baseline: GET /healthz of the server under test
)

// Stats are the outcomes of one kind of request.
type Stats struct {
	// Count is the number of requests sent, answered or not.
	Count int64
	// OK is the number answered with a 2xx status.
	OK int64
	// Latencies of every request, sorted once Finish is called.
	Latencies []time.Duration
	sum       time.Duration
}

func (s *Stats) add(d time.Duration, ok bool) {
	s.Count++
	if ok {
		s.OK++
	}
	s.Latencies = append(s.Latencies, d)
	s.sum += d
}

func (s *Stats) merge(o *Stats) {
	s.Count += o.Count
	s.OK += o.OK
	s.Latencies = append(s.Latencies, o.Latencies...)
	s.sum += o.sum
}

// finish sorts the latencies.
func (s *Stats) finish() {
	sort.Slice(s.Latencies, func(i, j int) bool { return s.Latencies[i] < s.Latencies[j] })
}

// Percentile returns the latency at or below which p (0..100) percent of
// the requests were answered (nearest rank); 0 without requests.
func (s *Stats) Percentile(p float64) time.Duration {
	n := len(s.Latencies)
	if n == 0 {
		return 0
	}
	i := int(float64(n)*p/100+0.999999) - 1
	return s.Latencies[min(max(i, 0), n-1)]
}

// Mean returns the mean latency.
func (s *Stats) Mean() time.Duration {
	if s.Count == 0 {
		return 0
	}
	return s.sum / time.Duration(s.Count)
}

// Rate returns requests per second over elapsed.
func (s *Stats) Rate(elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(s.Count) / elapsed.Seconds()
}

// Mix is the share of reads and writes, as in "80:20".
type Mix struct{ Reads, Writes int }

// ParseMix parses "R:W" with non-negative integers, not both zero.
func ParseMix(s string) (Mix, error) {
	r, w, ok := strings.Cut(s, ":")
	ri, err1 := strconv.Atoi(r)
	wi, err2 := strconv.Atoi(w)
	if !ok || err1 != nil || err2 != nil || ri < 0 || wi < 0 || ri+wi == 0 {
		return Mix{}, fmt.Errorf("mix %q: want reads:writes, such as 80:20", s)
	}
	return Mix{Reads: ri, Writes: wi}, nil
}

// String returns "R:W".
func (m Mix) String() string { return fmt.Sprintf("%d:%d", m.Reads, m.Writes) }

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }

func writeRow(w io.Writer, name string, s *Stats, elapsed time.Duration) {
	fmt.Fprintf(w, "  %-22s %8d %9.0f %9s %9s %9s %9s\n", name, s.Count, s.Rate(elapsed),
		ms(s.Percentile(50)), ms(s.Percentile(95)), ms(s.Percentile(99)), ms(s.Mean()))
}

func writeHeader(w io.Writer) {
	fmt.Fprintf(w, "  %-22s %8s %9s %9s %9s %9s %9s\n", "", "requests", "per s", "p50 ms", "p95 ms", "p99 ms", "mean ms")
}
