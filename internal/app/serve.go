package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// Serve answers HTTP on ln until ctx is cancelled, then shuts down
// gracefully: new connections are refused and requests in flight finish
// (up to server.shutdown_timeout). Once a day (and at start) it
// re-evaluates the stored flags of every open case, since the rules depend
// on the date, and signs a checkpoint of the audit chain. Shutting down
// flushes the read-access log.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Router().Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       a.Config.Server.RequestTimeout,
		WriteTimeout:      a.Config.Server.RequestTimeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	refreshDone := make(chan struct{})
	refreshCtx, stopRefresh := context.WithCancel(ctx)
	go func() {
		defer close(refreshDone)
		a.refreshDaily(refreshCtx)
	}()
	checkpointDone := make(chan struct{})
	go func() {
		defer close(checkpointDone)
		a.Auditor.RunDaily(refreshCtx, 10*time.Minute)
	}()
	errc := make(chan error, 1)
	go func() {
		var err error
		if a.Config.Server.TLSCertFile != "" {
			err = srv.ServeTLS(ln, a.Config.Server.TLSCertFile, a.Config.Server.TLSKeyFile)
		} else {
			err = srv.Serve(ln)
		}
		errc <- err
	}()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		a.Log.Info("shutting down: finishing requests in flight")
		sctx, cancel := context.WithTimeout(context.Background(), a.Config.Server.ShutdownTimeout)
		err = srv.Shutdown(sctx)
		cancel()
		if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
	}
	stopRefresh()
	<-refreshDone
	<-checkpointDone
	if cerr := a.Access.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func (a *App) refreshDaily(ctx context.Context) {
	last := eligibility.Date{}
	tick := time.NewTicker(10 * time.Minute)
	defer tick.Stop()
	for {
		if today := eligibility.Today(a.Now()); today != last {
			n, err := a.Cases.RefreshFlags(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				a.Log.Error("daily flag refresh failed", slog.String("error", err.Error()))
			} else {
				last = today
				a.Log.Info("flags refreshed", slog.Int("cases", n), slog.String("as_of", today.String()))
				a.sendDigests(ctx)
				// Ended sessions are kept a week (for investigating a misuse),
				// then deleted.
				if purged, err := a.Auth.PurgeSessions(ctx, a.Now().Add(-7*24*time.Hour)); err != nil {
					a.Log.Error("session purge failed", slog.String("error", err.Error()))
				} else if purged > 0 {
					a.Log.Info("ended sessions purged", slog.Int64("sessions", purged))
				}
				// Old pages (of an erasure whose own checkpoint found the
				// log busy) leave the write-ahead log.
				if done, err := a.DB.Checkpoint(ctx); err != nil {
					a.Log.Error("daily checkpoint failed", slog.String("error", err.Error()))
				} else if !done {
					a.Log.Warn("daily checkpoint: readers held the write-ahead log; retried tomorrow")
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// EnsureFirstAdmin creates the user "admin" with a random password on a
// database that has no users, and returns the password (to be shown once).
// created is false when users already exist.
func (a *App) EnsureFirstAdmin(ctx context.Context) (password string, created bool, err error) {
	n, err := a.Auth.CountUsers(ctx)
	if err != nil {
		return "", false, fmt.Errorf("count users: %w", err)
	}
	if n > 0 {
		return "", false, nil
	}
	password = RandomPassword()
	_, err = a.Auth.CreateUser(ctx, auth.System, auth.NewUser{Username: "admin", Password: password, Role: auth.RoleAdmin})
	if apperr.KindOf(err) == apperr.Conflict {
		return "", false, nil // another server starting at the same time created it
	}
	if err != nil {
		return "", false, fmt.Errorf("create first admin: %w", err)
	}
	return password, true, nil
}

// RandomPassword returns a random password of 20 URL-safe characters
// (120 bits).
func RandomPassword() string {
	b := make([]byte, 15)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
