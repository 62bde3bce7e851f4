package app_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/app"
	"github.com/casemgr/casemgr/internal/apptest"
)

// TestOpenRefusesBadSettings checks that a configuration built in code
// (not through config.Load) is validated when the app opens: the NRM
// settings by their one validation, the argon2 parameters by
// internal/auth's, each error naming the configuration key to fix.
func TestOpenRefusesBadSettings(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := func() time.Time { return apptest.DefaultNow }
	tests := []struct {
		name, want string
	}{
		{name: "weak hashing refused", want: "auth.argon2_time"},
		{name: "nrm thresholds ordered", want: "nrm.severity_high_days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := apptest.Config(t.TempDir())
			switch tt.want {
			case "auth.argon2_time":
				cfg.Auth.AllowWeakHashing = false
				cfg.Auth.Argon2Time = 1
			case "nrm.severity_high_days":
				cfg.NRM.HighDays = 3
			}
			a, err := app.Open(context.Background(), cfg, now, log)
			if err == nil {
				a.Close()
				t.Fatalf("got a running app, want an error naming %s", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to name %s", err, tt.want)
			}
		})
	}
}
