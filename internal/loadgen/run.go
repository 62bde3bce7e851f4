package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casemgr/casemgr/internal/eligibility"
)

// User is an account the clients log in with (a caseworker or supervisor,
// so that it works on case files).
type User struct{ Username, Password string }

// Options configure Run.
type Options struct {
	// BaseURL is the server, such as http://127.0.0.1:8080.
	BaseURL string
	// Users are spread over the clients round-robin.
	Users []User
	// Clients is the number of concurrent clients (default 8).
	Clients int
	// Duration bounds the measured phase (default 10s).
	Duration time.Duration
	// MaxRequests bounds the requests of the measured phase (default
	// 1,000,000).
	MaxRequests int64
	// Mix is the share of reads and writes (default 80:20).
	Mix Mix
	// Reads are the kinds of read, in equal parts (default OpGetCase,
	// OpList and OpDeadlines).
	Reads []Op
	// CasesPerClient is the number of cases each client opens before
	// the measured phase, the targets of its writes (default 2).
	CasesPerClient int
	// Timeout bounds each request (default 30s).
	Timeout time.Duration
	// Now is the clock (latencies use the monotonic clock of time.Now;
	// Now gives the identification date of the cases the clients open).
	Now func() time.Time
	// Seed makes the sequence of operations reproducible.
	Seed uint64
}

func (o *Options) defaults() {
	if o.Clients <= 0 {
		o.Clients = 8
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.MaxRequests <= 0 {
		o.MaxRequests = 1_000_000
	}
	if o.Mix == (Mix{}) {
		o.Mix = Mix{80, 20}
	}
	if o.CasesPerClient <= 0 {
		o.CasesPerClient = 2
	}
	if len(o.Reads) == 0 {
		o.Reads = ReadOps()
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Report is the outcome of Run.
type Report struct {
	Options Options
	// Elapsed is the length of the measured phase.
	Elapsed time.Duration
	// Setup is the time the clients took to log in and open their cases.
	Setup time.Duration
	// Ops are the stats per kind of request (setup included, as
	// OpCreate).
	Ops map[Op]*Stats
	// Status counts the answers that were not 2xx by status; 0 counts
	// requests that got no answer (connection refused or reset, timeout).
	Status map[int]int64
	// Acked is the number of writes answered 200.
	Acked int64
	// Versions maps each case the clients opened to the highest version
	// an acknowledged answer reported (1 after the creation).
	Versions map[string]int
	// Events maps each case to the number of its acknowledged events.
	Events map[string]int
}

// ReadOps returns the kinds of read a run can make.
func ReadOps() []Op { return []Op{OpGetCase, OpList, OpDeadlines} }

// ParseReads parses a comma-separated list of kinds of read, such as
// "get_case,list".
func ParseReads(s string) ([]Op, error) {
	var out []Op
	for _, f := range strings.Split(s, ",") {
		op := Op(strings.TrimSpace(f))
		if !slices.Contains(ReadOps(), op) {
			return nil, fmt.Errorf("unknown kind of read %q: want get_case, list or deadlines", op)
		}
		out = append(out, op)
	}
	return out, nil
}

// Reads returns the stats of all reads together.
func (r *Report) Reads() *Stats {
	s := &Stats{}
	for _, op := range ReadOps() {
		if o := r.Ops[op]; o != nil {
			s.merge(o)
		}
	}
	s.finish()
	return s
}

// Writes returns the stats of the measured writes.
func (r *Report) Writes() *Stats {
	if s := r.Ops[OpEvent]; s != nil {
		return s
	}
	return &Stats{}
}

// factEvents are accepted in every open state and need no data: a client
// can record them on its own cases at any time, in any order.
var factEvents = []string{"prove_identity", "record_contact_with_trafficker", "end_contact_with_trafficker",
	"grant_legal_aid", "join_as_civil_party", "report_missing", "report_found", "end_guidance", "resume_guidance",
	"invoke_non_punishment", "stop_cooperating", "resume_cooperating"}

var nationalities = []string{"NG", "RO", "MA", "VN", "AL", "CN", "BR", "IN", "UA", "AF", "BE"}

type session struct {
	mu    sync.Mutex
	user  User
	token string
}

// runner is one measured run.
type runner struct {
	o      Options
	http   *http.Client
	users  []*session
	today  eligibility.Date
	budget atomic.Int64
}

// client is one closed-loop client with its own stats.
type client struct {
	r        *runner
	n        int
	s        *session
	rnd      *rand.Rand
	cases    []string
	asOf     string
	ops      map[Op]*Stats
	status   map[int]int64
	acked    int64
	versions map[string]int
	events   map[string]int
	buf      bytes.Buffer // the body of the last answer (do)
}

// newHTTPClient returns the HTTP client of a run: keep-alive connections,
// one per client.
func newHTTPClient(clients int, timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = clients * 2
	t.MaxIdleConnsPerHost = clients * 2
	t.MaxConnsPerHost = 0
	return &http.Client{Transport: t, Timeout: timeout}
}

// Run performs a measured run against o.BaseURL. It stops after
// o.Duration or o.MaxRequests requests, or when ctx ends (a run cut short
// by ctx still returns its report, with ctx's error).
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	if len(o.Users) == 0 {
		return nil, errors.New("loadgen: no users")
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	r := &runner{o: o, http: newHTTPClient(o.Clients, o.Timeout), today: eligibility.Today(o.Now())}
	defer r.http.CloseIdleConnections()
	for _, u := range o.Users {
		r.users = append(r.users, &session{user: u})
	}
	start := time.Now()
	for _, s := range r.users {
		if err := r.login(ctx, s); err != nil {
			return nil, err
		}
	}
	clients := make([]*client, o.Clients)
	for i := range clients {
		clients[i] = &client{r: r, n: i, s: r.users[i%len(r.users)], rnd: rand.New(rand.NewPCG(o.Seed, uint64(i))),
			ops: map[Op]*Stats{}, status: map[int]int64{}, versions: map[string]int{}, events: map[string]int{}}
	}
	// Setup: every client opens its cases, concurrently.
	var wg sync.WaitGroup
	errs := make([]error, len(clients))
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < o.CasesPerClient; k++ {
				if err := c.create(ctx); err != nil {
					errs[i] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	rep := &Report{Options: o, Setup: time.Since(start), Ops: map[Op]*Stats{}, Status: map[int]int64{},
		Versions: map[string]int{}, Events: map[string]int{}}
	if err := errors.Join(errs...); err != nil {
		collect(rep, clients)
		return rep, fmt.Errorf("loadgen: setup: %w", err)
	}
	// Measured phase: no request starts after the deadline, and those
	// in flight at the deadline are waited for, so that every write the
	// server committed is also acknowledged (or failed) here.
	r.budget.Store(o.MaxRequests)
	start = time.Now()
	deadline := start.Add(o.Duration)
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.loop(ctx, deadline)
		}()
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	collect(rep, clients)
	return rep, ctx.Err()
}

func collect(rep *Report, clients []*client) {
	for _, c := range clients {
		for op, s := range c.ops {
			if rep.Ops[op] == nil {
				rep.Ops[op] = &Stats{}
			}
			rep.Ops[op].merge(s)
		}
		for k, v := range c.status {
			rep.Status[k] += v
		}
		rep.Acked += c.acked
		for id, v := range c.versions {
			rep.Versions[id] = v
		}
		for id, v := range c.events {
			rep.Events[id] = v
		}
	}
	for _, s := range rep.Ops {
		s.finish()
	}
}

func (r *runner) login(ctx context.Context, s *session) error {
	body, _ := json.Marshal(map[string]string{"username": s.user.Username, "password": s.user.Password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.o.BaseURL+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("loadgen: login: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.http.Do(req)
	if err != nil {
		return fmt.Errorf("loadgen: login %s: %w", s.user.Username, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("loadgen: login %s: status %d: %s", s.user.Username, resp.StatusCode, b)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.AccessToken == "" {
		return fmt.Errorf("loadgen: login %s: no access token in %s", s.user.Username, b)
	}
	s.mu.Lock()
	s.token = out.AccessToken
	s.mu.Unlock()
	return nil
}

// do sends one request and records it under op; it returns the status
// (0 without an answer) and the body of a 2xx answer, valid until the
// client's next request.
func (c *client) do(ctx context.Context, op Op, method, path string, body []byte) (int, []byte) {
	c.s.mu.Lock()
	token := c.s.token
	c.s.mu.Unlock()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.r.o.BaseURL+path, rd)
	if err != nil {
		return 0, nil
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := c.r.http.Do(req)
	var status int
	var out []byte
	if err == nil {
		status = resp.StatusCode
		// One buffer per client, kept across requests: io.ReadAll grew a
		// new one for each 300 KB list page. out is valid until the next
		// request of this client.
		c.buf.Reset()
		_, err = c.buf.ReadFrom(resp.Body)
		out = c.buf.Bytes()
		resp.Body.Close()
		if err != nil {
			status = 0 // the answer broke off: not acknowledged
		}
	}
	lat := time.Since(start)
	if ctx.Err() != nil && status == 0 {
		return 0, nil // cut by the end of the run: not counted
	}
	s := c.ops[op]
	if s == nil {
		s = &Stats{}
		c.ops[op] = s
	}
	ok := status >= 200 && status < 300
	s.add(lat, ok)
	if !ok {
		c.status[status]++
		if status == http.StatusUnauthorized {
			_ = c.r.login(ctx, c.s) // the access token expired: log in again
		}
		return status, nil
	}
	return status, out
}

type caseAnswer struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	AsOf    string `json:"as_of"`
}

func (c *client) create(ctx context.Context) error {
	identified := c.r.today.AddDays(-30 - c.rnd.IntN(300))
	body, _ := json.Marshal(map[string]any{
		"victim": map[string]any{"given_name": "Load", "family_name": fmt.Sprintf("Client%d", c.n),
			"nationality": nationalities[c.rnd.IntN(len(nationalities))], "gender": "female",
			"date_of_birth": identified.AddYears(-20 - c.rnd.IntN(30)).String()},
		"exploitation": []string{"labour"}, "identified_on": identified.String(), "identified_by": "police",
	})
	status, out := c.do(ctx, OpCreate, http.MethodPost, "/api/v1/cases", body)
	if status != http.StatusCreated {
		return fmt.Errorf("client %d: create a case: status %d", c.n, status)
	}
	var a caseAnswer
	if err := json.Unmarshal(out, &a); err != nil || a.ID == "" {
		return fmt.Errorf("client %d: create a case: unreadable answer", c.n)
	}
	c.cases = append(c.cases, a.ID)
	c.versions[a.ID] = a.Version
	c.events[a.ID] = 0
	c.asOf = a.AsOf
	return nil
}

func (c *client) loop(ctx context.Context, deadline time.Time) {
	o := c.r.o
	for ctx.Err() == nil && time.Now().Before(deadline) && c.r.budget.Add(-1) >= 0 {
		if c.rnd.IntN(o.Mix.Reads+o.Mix.Writes) < o.Mix.Writes {
			c.write(ctx)
			continue
		}
		switch o.Reads[c.rnd.IntN(len(o.Reads))] {
		case OpGetCase:
			c.do(ctx, OpGetCase, http.MethodGet, "/api/v1/cases/"+c.cases[c.rnd.IntN(len(c.cases))], nil)
		case OpList:
			c.do(ctx, OpList, http.MethodGet, "/api/v1/cases", nil)
		default:
			c.do(ctx, OpDeadlines, http.MethodGet, "/api/v1/deadlines?within=30", nil)
		}
	}
}

func (c *client) write(ctx context.Context) {
	id := c.cases[c.rnd.IntN(len(c.cases))]
	body, _ := json.Marshal(map[string]string{"type": factEvents[c.rnd.IntN(len(factEvents))], "occurred_on": c.asOf})
	status, out := c.do(ctx, OpEvent, http.MethodPost, "/api/v1/cases/"+id+"/events", body)
	if status != http.StatusOK {
		return
	}
	c.acked++
	c.events[id]++
	if v, ok := answerVersion(out); ok && v > c.versions[id] {
		c.versions[id] = v
	}
}

// answerVersion reads the top-level "version" of a case answer without
// decoding the rest: the server writes it fourth, and decoding the whole
// 6 KB answer was a third of the load generator's CPU, taken from the
// two cores it shares with the server (docs/performance.md "Issue 18").
// The answer is still read whole; a malformed one reports false.
func answerVersion(b []byte) (int, bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return 0, false
	}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return 0, false
		}
		if t == "version" {
			var v int
			if err := d.Decode(&v); err != nil {
				return 0, false
			}
			return v, true
		}
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return 0, false
		}
	}
	return 0, false
}
