package auth

import (
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	now := time.Date(2025, 6, 15, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	th := NewThrottle(3, 5, 15*time.Minute, clock)
	// Three failures for ana: ana is refused from any address.
	for i := 0; i < 3; i++ {
		th.Fail("ana", "10.0.0.1")
	}
	if ok, _ := th.Allow("ana", "10.0.0.9"); ok {
		t.Errorf("ana after 3 failures: got allowed, want refused")
	}
	if ok, _ := th.Allow("bob", "10.0.0.1"); !ok {
		t.Errorf("bob from the same address after 3 failures: got refused, want allowed (per-IP limit is 5)")
	}
	// Two more failures from that address, for other accounts: the address
	// reaches its limit of 5.
	th.Fail("carl", "10.0.0.1")
	th.Fail("dina", "10.0.0.1")
	ok, wait := th.Allow("bob", "10.0.0.1")
	if ok || wait <= 0 || wait > 15*time.Minute {
		t.Errorf("bob from an address with 5 failures: got %v, %v; want refused with a wait up to 15m", ok, wait)
	}
	if ok, _ := th.Allow("bob", "10.0.0.2"); !ok {
		t.Errorf("bob from another address: got refused, want allowed")
	}
	now = now.Add(15*time.Minute + time.Second)
	if ok, _ := th.Allow("ana", "10.0.0.1"); !ok {
		t.Errorf("after the window: got refused, want allowed")
	}
}
