package auth

import (
	"sync"
	"time"
)

// Throttle counts failed logins per account and per client IP within a
// sliding window and refuses further attempts once either reaches its
// limit. The per-IP limit is higher: a shelter's staff may share one
// address behind NAT. Successful logins do not count. State is in memory, per process:
// several instances behind a proxy each keep their own counts.
type Throttle struct {
	mu     sync.Mutex
	max    int // per account
	maxIP  int // per client IP
	window time.Duration
	now    func() time.Time
	fails  map[string][]time.Time
}

// NewThrottle returns a Throttle allowing max failures per account and
// maxIP failures per client IP within window.
func NewThrottle(max, maxIP int, window time.Duration, now func() time.Time) *Throttle {
	return &Throttle{max: max, maxIP: maxIP, window: window, now: now, fails: map[string][]time.Time{}}
}

func (t *Throttle) recent(key string, now time.Time) []time.Time {
	ts := t.fails[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= t.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(t.fails, key)
		return nil
	}
	t.fails[key] = ts
	return ts
}

// Allow reports whether a login for username from ip may be tried now, and
// if not, how long until it may.
func (t *Throttle) Allow(username, ip string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	for _, l := range []struct {
		key string
		max int
	}{{"u:" + username, t.max}, {"ip:" + ip, t.maxIP}} {
		ts := t.recent(l.key, now)
		if len(ts) >= l.max {
			if w := t.window - now.Sub(ts[len(ts)-l.max]); w > wait {
				wait = w
			}
		}
	}
	return wait == 0, wait
}

// Fail records a failed login for username from ip.
func (t *Throttle) Fail(username, ip string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, k := range []string{"u:" + username, "ip:" + ip} {
		t.fails[k] = append(t.recent(k, now), now)
	}
}
