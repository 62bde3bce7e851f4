package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
)

// Web UI sessions and personal calendar feeds.
//
// A web session rides on a login session (auth_sessions): LoginWeb opens
// one through Login, so throttling and the login rules are the same as for
// the API, and stores the SHA-256 of an opaque cookie token next to it
// (table web_sessions). Everything that revokes the login session (logout,
// disabling the user, a new password, role or shelter) therefore ends the
// web session at once. The refresh token Login issues is never handed out.

// WebIdleTimeout ends a web session that saw no request for this long; each
// request slides it. The absolute limit is the login session's expiry.
const WebIdleTimeout = 30 * time.Minute

// webTouchEvery bounds how often a request writes the session's last use.
const webTouchEvery = time.Minute

// webTokenBytes is the size of cookie, CSRF and feed tokens: 256 bits.
const webTokenBytes = 32

// WebSession is a new web UI session, as LoginWeb returns it.
type WebSession struct {
	// Token is the opaque cookie value; only its SHA-256 is stored.
	Token string
	// CSRF is the session's anti-forgery token, sent back in every form.
	CSRF string
	// ExpiresAt is the absolute end of the session.
	ExpiresAt time.Time
	// Actor is the user who logged in.
	Actor Actor
}

type webSession struct {
	SessionID  string    `gorm:"column:session_id;primaryKey"`
	TokenHash  string    `gorm:"column:token_hash"`
	CSRFToken  string    `gorm:"column:csrf_token"`
	CreatedAt  time.Time `gorm:"column:created_at"`
	LastSeenAt time.Time `gorm:"column:last_seen_at"`
}

func (webSession) TableName() string { return "web_sessions" }

type calendarFeed struct {
	Username  string    `gorm:"column:username;primaryKey"`
	TokenHash string    `gorm:"column:token_hash"`
	Role      Role      `gorm:"column:role"`
	ShelterID string    `gorm:"column:shelter_id"`
	CreatedAt time.Time `gorm:"column:created_at"`
}

func (calendarFeed) TableName() string { return "calendar_feeds" }

var errBadWebSession = &apperr.Error{Kind: apperr.Unauthorized, Message: "not logged in, or the session has ended; log in again"}

func randomToken() (string, error) {
	b := make([]byte, webTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// LoginWeb checks a username and password exactly as Login does (same
// throttling, same generic error) and opens a web session on the new login
// session.
func (s *Service) LoginWeb(ctx context.Context, username, password, clientIP string) (WebSession, error) {
	return s.LoginWebWith(ctx, Credentials{Username: username, Password: password}, clientIP)
}

// LoginWebWith is LoginWeb with a second factor (see LoginWith).
func (s *Service) LoginWebWith(ctx context.Context, cr Credentials, clientIP string) (WebSession, error) {
	pair, err := s.LoginWith(ctx, cr, clientIP)
	if err != nil {
		return WebSession{}, err
	}
	token, err := randomToken()
	if err != nil {
		return WebSession{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return WebSession{}, err
	}
	var out WebSession
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		var rt refreshToken
		if err := tx.Where("token_hash = ?", hashToken(pair.RefreshToken)).Take(&rt).Error; err != nil {
			return fmt.Errorf("auth: find login session: %w", err)
		}
		var sess session
		if err := tx.Where("id = ?", rt.SessionID).Take(&sess).Error; err != nil {
			return fmt.Errorf("auth: load login session: %w", err)
		}
		var u User
		if err := tx.Where("username = ?", sess.Username).Take(&u).Error; err != nil {
			return fmt.Errorf("auth: load user: %w", err)
		}
		// The refresh token is never given out: mark it used so that it
		// cannot be exchanged even if it leaked from memory.
		now := s.now().UTC()
		if err := tx.Model(&refreshToken{}).Where("token_hash = ?", rt.TokenHash).Update("used_at", now).Error; err != nil {
			return fmt.Errorf("auth: retire refresh token: %w", err)
		}
		ws := webSession{SessionID: sess.ID, TokenHash: hashToken(token), CSRFToken: csrf, CreatedAt: now, LastSeenAt: now}
		if err := tx.Create(&ws).Error; err != nil {
			return fmt.Errorf("auth: create web session: %w", err)
		}
		var confirmed int64
		if err := tx.Model(&userTOTP{}).Where("username = ? AND confirmed_at IS NOT NULL", u.Username).
			Count(&confirmed).Error; err != nil {
			return fmt.Errorf("auth: load TOTP: %w", err)
		}
		out = WebSession{Token: token, CSRF: csrf, ExpiresAt: sess.ExpiresAt,
			Actor: Actor{Username: u.Username, Role: u.Role, Shelter: u.Shelter(), Session: sess.ID,
				MustEnrol: confirmed == 0 && s.TOTPRequired(u.Role)}}
		return nil
	})
	if err != nil {
		return WebSession{}, err
	}
	return out, nil
}

// AuthenticateWeb turns a web session cookie token into its Actor and the
// session's CSRF token. The login session must not be revoked or expired,
// the user must be enabled, and the session must have been used within
// WebIdleTimeout (an idle session is ended here); each call slides the
// idle timeout.
func (s *Service) AuthenticateWeb(ctx context.Context, token string) (Actor, string, error) {
	if token == "" {
		return Actor{}, "", errBadWebSession
	}
	var row struct {
		SessionID  string
		CSRFToken  string
		LastSeenAt time.Time
		Username   string
		RevokedAt  *time.Time
		ExpiresAt  time.Time
		Role       Role
		ShelterID  *string
		Disabled   bool
		// TOTPConfirmedAt is NULL for a user without a second factor.
		TOTPConfirmedAt *time.Time
	}
	err := s.db.Read.WithContext(ctx).Table("web_sessions AS w").
		Select("w.session_id, w.csrf_token, w.last_seen_at, s.username, s.revoked_at, s.expires_at, "+
			"u.role, u.shelter_id, u.disabled, t.confirmed_at AS totp_confirmed_at").
		Joins("JOIN auth_sessions s ON s.id = w.session_id").
		Joins("JOIN users u ON u.username = s.username").
		Joins("LEFT JOIN user_totp t ON t.username = u.username").
		Where("w.token_hash = ?", hashToken(token)).
		Take(&row).Error
	if err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Actor{}, "", errBadWebSession
		}
		return Actor{}, "", fmt.Errorf("auth: load web session: %w", err)
	}
	now := s.now().UTC()
	if row.Disabled || row.RevokedAt != nil || !now.Before(row.ExpiresAt) {
		return Actor{}, "", errBadWebSession
	}
	if idle := now.Sub(row.LastSeenAt); idle >= WebIdleTimeout {
		err := s.db.Tx(ctx, func(tx *gorm.DB) error {
			return tx.Model(&session{}).Where("id = ? AND revoked_at IS NULL", row.SessionID).
				Update("revoked_at", now).Error
		})
		s.sessionsChanged()
		if err != nil {
			return Actor{}, "", fmt.Errorf("auth: end idle web session: %w", err)
		}
		return Actor{}, "", errBadWebSession
	} else if idle >= webTouchEvery {
		err := s.db.Tx(ctx, func(tx *gorm.DB) error {
			return tx.Model(&webSession{}).Where("session_id = ?", row.SessionID).Update("last_seen_at", now).Error
		})
		if err != nil {
			return Actor{}, "", fmt.Errorf("auth: touch web session: %w", err)
		}
	}
	a := Actor{Username: row.Username, Role: row.Role, Session: row.SessionID,
		MustEnrol: row.TOTPConfirmedAt == nil && s.TOTPRequired(row.Role)}
	if row.ShelterID != nil {
		a.Shelter = *row.ShelterID
	}
	return a, row.CSRFToken, nil
}

// LogoutWeb ends the web session of a cookie token and its login session.
// An unknown token is not an error: there is nothing to end.
func (s *Service) LogoutWeb(ctx context.Context, token string) error {
	defer s.sessionsChanged()
	if token == "" {
		return nil
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		var ws webSession
		err := tx.Where("token_hash = ?", hashToken(token)).Take(&ws).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("auth: load web session: %w", err)
		}
		if err := tx.Model(&session{}).Where("id = ? AND revoked_at IS NULL", ws.SessionID).
			Update("revoked_at", s.now().UTC()).Error; err != nil {
			return fmt.Errorf("auth: end session: %w", err)
		}
		return nil
	})
}

// Reauthenticate checks the password of an already logged-in actor again,
// before a sensitive act such as a bulk export. A wrong password counts as
// a failed login for throttling, and the error is Unauthorized.
func (s *Service) Reauthenticate(ctx context.Context, a Actor, password, clientIP string) error {
	_, err := s.checkCredentials(ctx, Credentials{Username: a.Username, Password: password}, clientIP, false)
	if apperr.KindOf(err) == apperr.Unauthorized {
		return &apperr.Error{Kind: apperr.Unauthorized, Message: "wrong password"}
	}
	return err
}

// NewFeedToken makes a new personal calendar feed token for the actor (a
// caseworker or supervisor), replacing any earlier one, and returns it. Only
// its SHA-256 is stored, so the token can be shown once.
func (s *Service) NewFeedToken(ctx context.Context, a Actor) (string, error) {
	if !a.WorksOnCases() {
		return "", apperr.Forbiddenf("only caseworkers and supervisors have a deadline feed")
	}
	token, err := randomToken()
	if err != nil {
		return "", err
	}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("username = ?", a.Username).Delete(&calendarFeed{}).Error; err != nil {
			return fmt.Errorf("auth: replace feed token: %w", err)
		}
		f := calendarFeed{Username: a.Username, TokenHash: hashToken(token), Role: a.Role, ShelterID: a.Shelter,
			CreatedAt: s.now().UTC()}
		if err := tx.Create(&f).Error; err != nil {
			return fmt.Errorf("auth: store feed token: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// RevokeFeedToken removes the actor's calendar feed token, if any.
func (s *Service) RevokeFeedToken(ctx context.Context, a Actor) error {
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		return tx.Where("username = ?", a.Username).Delete(&calendarFeed{}).Error
	})
	if err != nil {
		return fmt.Errorf("auth: revoke feed token: %w", err)
	}
	return nil
}

// FeedTokenCreated reports when the actor's current calendar feed token was
// made; ok is false when the actor has none.
func (s *Service) FeedTokenCreated(ctx context.Context, a Actor) (created time.Time, ok bool, err error) {
	var f calendarFeed
	err = s.db.Read.WithContext(ctx).Where("username = ?", a.Username).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("auth: load feed token: %w", err)
	}
	return f.CreatedAt, true, nil
}

var errBadFeedToken = &apperr.Error{Kind: apperr.Unauthorized, Message: "unknown or revoked calendar feed token"}

// FeedActor turns a calendar feed token into the Actor whose deadlines the
// feed shows. The token must be current, the user enabled, and the user's
// role and shelter those the feed was made for.
func (s *Service) FeedActor(ctx context.Context, token string) (Actor, error) {
	if token == "" {
		return Actor{}, errBadFeedToken
	}
	var row struct {
		Username  string
		Role      Role
		ShelterID string
		UserRole  Role
		UserShel  *string
		Disabled  bool
	}
	err := s.db.Read.WithContext(ctx).Table("calendar_feeds AS f").
		Select("f.username, f.role, f.shelter_id, u.role AS user_role, u.shelter_id AS user_shel, u.disabled").
		Joins("JOIN users u ON u.username = f.username").
		Where("f.token_hash = ?", hashToken(token)).
		Take(&row).Error
	if err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Actor{}, errBadFeedToken
		}
		return Actor{}, fmt.Errorf("auth: load feed token: %w", err)
	}
	shelter := ""
	if row.UserShel != nil {
		shelter = *row.UserShel
	}
	if row.Disabled || row.UserRole != row.Role || shelter != row.ShelterID || !row.Role.NeedsShelter() {
		return Actor{}, errBadFeedToken
	}
	return Actor{Username: row.Username, Role: row.Role, Shelter: row.ShelterID}, nil
}
