package auth

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/casemgr/casemgr/internal/apperr"
)

// Administrators manage accounts but must never be able to read case files
// (docs/security.md "Administrators"): they cannot learn a usable
// password, cannot change their own role, and a change that would let
// someone read case files waits for a second administrator.

// PasswordResetTTL is how long a reset code can be redeemed.
const PasswordResetTTL = 24 * time.Hour

// UserChange is a change of a user's role or shelter that waits for a
// second administrator's approval.
type UserChange struct {
	ID       string `gorm:"column:id;primaryKey" json:"id"`
	Username string `gorm:"column:username" json:"username"`
	// Kind is ChangeUpdate (a role or shelter) or ChangeCreate (a new
	// user, created at the approval).
	Kind        string     `gorm:"column:kind" json:"kind"`
	Role        Role       `gorm:"column:role" json:"role"`
	Shelter     string     `gorm:"column:shelter_id" json:"shelter"`
	RequestedBy string     `gorm:"column:requested_by" json:"requested_by"`
	RequestedAt time.Time  `gorm:"column:requested_at" json:"requested_at"`
	DecidedBy   *string    `gorm:"column:decided_by" json:"-"`
	DecidedAt   *time.Time `gorm:"column:decided_at" json:"-"`
	Status      string     `gorm:"column:status" json:"status"`
	// PasswordHash is always "": a user created at the approval gets a
	// reset code, never a password an admin chose.
	PasswordHash string `gorm:"column:password_hash" json:"-"`
}

// TableName maps UserChange to user_changes.
func (UserChange) TableName() string { return "user_changes" }

// Kinds of a UserChange.
const (
	ChangeUpdate = "update"
	ChangeCreate = "create"
)

// Statuses of a UserChange.
const (
	ChangePending    = "pending"
	ChangeApproved   = "approved"
	ChangeSuperseded = "superseded"
)

// grantsCaseAccess reports whether moving a user from (oldRole, oldShelter)
// to (role, shelter) would let them read case files they could not read.
func grantsCaseAccess(oldRole Role, oldShelter string, role Role, shelter string) bool {
	return role.NeedsShelter() && (role != oldRole || shelter != oldShelter)
}

type passwordReset struct {
	CodeHash  string     `gorm:"column:code_hash;primaryKey"`
	Username  string     `gorm:"column:username"`
	IssuedBy  string     `gorm:"column:issued_by"`
	CreatedAt time.Time  `gorm:"column:created_at"`
	ExpiresAt time.Time  `gorm:"column:expires_at"`
	UsedAt    *time.Time `gorm:"column:used_at"`
}

func (passwordReset) TableName() string { return "password_resets" }

// resetCodeEncoding spells reset codes for reading out or typing: upper
// case letters and digits 2-7, no padding.
var resetCodeEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// PasswordResetCode is an issued reset code, shown once.
type PasswordResetCode struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
}

// IssuePasswordReset makes a one-time code with which username sets a new
// password (admins only). Only its SHA-256 is stored; earlier unused codes
// of the user stop working. The administrator hands the code over out of
// band; he never learns the password chosen with it.
func (s *Service) IssuePasswordReset(ctx context.Context, a Actor, username string) (PasswordResetCode, error) {
	if !a.Is(RoleAdmin, RoleSystem) {
		return PasswordResetCode{}, apperr.Forbiddenf("only admins manage users")
	}
	var out PasswordResetCode
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&User{}).Where("username = ?", username).Count(&n).Error; err != nil {
			return fmt.Errorf("auth: load user: %w", err)
		}
		if n == 0 {
			return apperr.NotFoundf("no user %q", username)
		}
		var err error
		out, err = issueReset(tx, a, username, s.now().UTC())
		return err
	})
	if err != nil {
		return PasswordResetCode{}, err
	}
	return out, nil
}

// issueReset stores a new reset code of username within tx, replacing
// earlier unused ones, and appends issue_password_reset.
func issueReset(tx *gorm.DB, a Actor, username string, now time.Time) (PasswordResetCode, error) {
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return PasswordResetCode{}, fmt.Errorf("auth: random: %w", err)
	}
	code := resetCodeEncoding.EncodeToString(raw)
	out := PasswordResetCode{Code: code, ExpiresAt: now.Add(PasswordResetTTL)}
	if err := tx.Where("username = ? AND used_at IS NULL", username).Delete(&passwordReset{}).Error; err != nil {
		return PasswordResetCode{}, fmt.Errorf("auth: drop earlier reset codes: %w", err)
	}
	if err := tx.Create(&passwordReset{CodeHash: hashToken(code), Username: username, IssuedBy: a.Username,
		CreatedAt: now, ExpiresAt: out.ExpiresAt}).Error; err != nil {
		return PasswordResetCode{}, fmt.Errorf("auth: store reset code: %w", err)
	}
	err := appendAdmin(tx, a, "issue_password_reset",
		map[string]any{"username": username, "expires_at": out.ExpiresAt.Format(time.RFC3339)}, now)
	return out, err
}

var errBadReset = &apperr.Error{Kind: apperr.Unauthorized, Message: "invalid or expired reset code"}

// RedeemPasswordReset sets username's new password with a code from
// IssuePasswordReset. Attempts are throttled like logins. The code is
// used once; every session and the calendar feed of the user end; the
// second factor, if enrolled, stays, so whoever redeems the code still
// needs it to log in.
func (s *Service) RedeemPasswordReset(ctx context.Context, username, code, newPassword, clientIP string) error {
	defer s.sessionsChanged()
	if err := checkLoginInput(username, code); err != nil {
		return err
	}
	if err := ValidatePassword(newPassword); err != nil {
		return apperr.Field("password", "%s", err.Error())
	}
	var att *attempt
	if s.throttle != nil {
		var err error
		if att, err = s.throttle.reserve(ctx, username, clientIP, false); err != nil {
			return err
		}
	}
	hash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		if att != nil {
			_ = att.end(ctx, false)
		}
		return fmt.Errorf("auth: hash password: %w", err)
	}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		var pr passwordReset
		if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
			Where("code_hash = ? AND username = ?", hashToken(code), username).Take(&pr).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return errBadReset
			}
			return fmt.Errorf("auth: load reset code: %w", err)
		}
		if pr.UsedAt != nil || !now.Before(pr.ExpiresAt) {
			return errBadReset
		}
		var u User
		if err := tx.Where("username = ?", username).Take(&u).Error; err != nil {
			return fmt.Errorf("auth: load user: %w", err)
		}
		if err := tx.Model(&passwordReset{}).Where("code_hash = ?", pr.CodeHash).Update("used_at", now).Error; err != nil {
			return fmt.Errorf("auth: use reset code: %w", err)
		}
		if err := tx.Model(&User{}).Where("username = ?", username).
			Updates(map[string]any{"password_hash": hash, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("auth: set password: %w", err)
		}
		if err := endSessions(tx, username, now); err != nil {
			return err
		}
		if err := revokeFeeds(tx, username); err != nil {
			return err
		}
		return appendAdmin(tx, Actor{Username: u.Username, Role: u.Role}, "redeem_password_reset",
			map[string]any{"username": username, "issued_by": pr.IssuedBy}, now)
	})
	if att != nil {
		if endErr := att.end(ctx, err == nil); endErr != nil && err == nil {
			err = endErr
		}
	}
	return err
}

// requestChange records a pending change of username to (role, shelter),
// replacing any earlier pending change of that user, and appends
// request_user_change to the audit chain.
func (s *Service) requestChange(tx *gorm.DB, a Actor, username string, role Role, shelter string, now time.Time) (*UserChange, error) {
	if err := tx.Model(&UserChange{}).Where("username = ? AND status = ?", username, ChangePending).
		Updates(map[string]any{"status": ChangeSuperseded, "decided_by": a.Username, "decided_at": now}).Error; err != nil {
		return nil, fmt.Errorf("auth: supersede pending change: %w", err)
	}
	c := UserChange{ID: randomHex(16), Username: username, Kind: ChangeUpdate, Role: role, Shelter: shelter,
		RequestedBy: a.Username, RequestedAt: now, Status: ChangePending}
	if err := tx.Create(&c).Error; err != nil {
		return nil, fmt.Errorf("auth: store pending change: %w", err)
	}
	err := appendAdmin(tx, a, "request_user_change",
		map[string]any{"username": username, "change": c.ID, "role": string(role), "shelter": shelter}, now)
	return &c, err
}

// PendingChanges lists the changes waiting for approval (admins only),
// oldest first.
func (s *Service) PendingChanges(ctx context.Context, a Actor) ([]UserChange, error) {
	if !a.Is(RoleAdmin) {
		return nil, apperr.Forbiddenf("only admins manage users")
	}
	cs := make([]UserChange, 0)
	if err := s.db.Read.WithContext(ctx).Where("status = ?", ChangePending).Order("requested_at, id").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("auth: list pending changes: %w", err)
	}
	return cs, nil
}

// Approval is the result of ApproveUserChange: the user as changed or
// created and, for a creation, the one-time reset code with which the new
// user chooses his password (shown once; the approving admin hands it
// over).
type Approval struct {
	User      User
	ResetCode *PasswordResetCode
}

// ApproveUserChange applies a pending change. The approver must be an
// administrator other than the one who asked for it and than the user it
// changes (403 otherwise). The user's sessions end, as for every change of
// role or shelter. A pending creation makes the user with a password no
// one knows and issues him a reset code.
func (s *Service) ApproveUserChange(ctx context.Context, a Actor, id string) (Approval, error) {
	defer s.sessionsChanged()
	if !a.Is(RoleAdmin) {
		return Approval{}, apperr.Forbiddenf("only admins manage users")
	}
	// The password of a created user: 256 random bits, hashed, never
	// shown; the user sets his own with the reset code.
	placeholder, err := s.hasher.Hash(ctx, randomHex(32))
	if err != nil {
		return Approval{}, fmt.Errorf("auth: hash password: %w", err)
	}
	var out Approval
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		out = Approval{}
		var c UserChange
		if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Where("id = ?", id).Take(&c).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.NotFoundf("no change %q", id)
			}
			return fmt.Errorf("auth: load change: %w", err)
		}
		if c.Status != ChangePending {
			return apperr.Conflictf("the change is %s, not pending", c.Status)
		}
		if c.RequestedBy == a.Username {
			return apperr.Forbiddenf("a second administrator must approve a change you asked for")
		}
		if c.Username == a.Username {
			return apperr.Forbiddenf("you cannot approve a change of your own account")
		}
		var f apperr.Fields
		if err := s.checkShelter(tx, c.Role, c.Shelter, &f); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.now().UTC()
		if err := tx.Model(&UserChange{}).Where("id = ?", c.ID).
			Updates(map[string]any{"status": ChangeApproved, "decided_by": a.Username, "decided_at": now}).Error; err != nil {
			return fmt.Errorf("auth: approve change: %w", err)
		}
		data := map[string]any{"username": c.Username, "change": c.ID,
			"requested_by": c.RequestedBy, "role": string(c.Role), "shelter": c.Shelter}
		if c.Kind == ChangeCreate {
			var n int64
			if err := tx.Model(&User{}).Where("username = ?", c.Username).Count(&n).Error; err != nil {
				return fmt.Errorf("auth: check username: %w", err)
			}
			if n > 0 {
				return apperr.Conflictf("a user %q exists already", c.Username)
			}
			sh := c.Shelter
			out.User = User{Username: c.Username, Role: c.Role, ShelterID: &sh, PasswordHash: placeholder, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&out.User).Error; err != nil {
				return fmt.Errorf("auth: create user: %w", err)
			}
			data["kind"] = ChangeCreate
			if err := appendAdmin(tx, a, "approve_user_change", data, now); err != nil {
				return err
			}
			code, err := issueReset(tx, a, c.Username, now)
			out.ResetCode = &code
			return err
		}
		u := &out.User
		if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
			Where("username = ?", c.Username).Take(u).Error; err != nil {
			return fmt.Errorf("auth: load user: %w", err)
		}
		u.Role = c.Role
		sh := c.Shelter
		u.ShelterID = &sh
		u.UpdatedAt = now
		if err := tx.Select("role", "shelter_id", "updated_at").Save(u).Error; err != nil {
			return fmt.Errorf("auth: update user: %w", err)
		}
		if err := endSessions(tx, u.Username, now); err != nil {
			return err
		}
		return appendAdmin(tx, a, "approve_user_change", data, now)
	})
	return out, err
}
