package app

import (
	"context"
	"log/slog"

	"github.com/casemgr/casemgr/internal/casework"
)

// Mail is the SMTP configuration of the daily digest.
func (a *App) Mail() casework.Mail {
	d := a.Config.Digest
	return casework.Mail{Host: d.SMTPHost, Port: d.SMTPPort, Security: d.SMTPSecurity,
		Username: d.SMTPUsername, Password: d.SMTPPassword, From: d.From}
}

// sendDigests sends the daily e-mail digests when they are enabled
// (once a day, after the flags are refreshed; docs/casework.md).
func (a *App) sendDigests(ctx context.Context) {
	d := a.Config.Digest
	if !d.Enabled {
		return
	}
	n, err := a.Casework.SendDigests(ctx, a.Mail(), d.Recipients, d.Within)
	if err != nil {
		a.Log.Error("daily digest failed", slog.Int("sent", n), slog.String("error", err.Error()))
		return
	}
	a.Log.Info("daily digests sent", slog.Int("messages", n))
}
