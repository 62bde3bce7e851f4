package auth

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/store"
)

// User is a stored account. The password hash never leaves this package.
type User struct {
	Username     string    `gorm:"column:username;primaryKey" json:"username"`
	Role         Role      `gorm:"column:role" json:"role"`
	ShelterID    *string   `gorm:"column:shelter_id" json:"-"`
	PasswordHash string    `gorm:"column:password_hash" json:"-"`
	Disabled     bool      `gorm:"column:disabled" json:"disabled"`
	CreatedAt    time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt    time.Time `gorm:"column:updated_at" json:"updated_at"`
}

// TableName maps User to the users table.
func (User) TableName() string { return "users" }

// Shelter returns the user's shelter id, or "".
func (u User) Shelter() string {
	if u.ShelterID == nil {
		return ""
	}
	return *u.ShelterID
}

type session struct {
	ID        string     `gorm:"column:id;primaryKey"`
	Username  string     `gorm:"column:username"`
	CreatedAt time.Time  `gorm:"column:created_at"`
	ExpiresAt time.Time  `gorm:"column:expires_at"`
	RevokedAt *time.Time `gorm:"column:revoked_at"`
}

func (session) TableName() string { return "auth_sessions" }

type refreshToken struct {
	TokenHash string     `gorm:"column:token_hash;primaryKey"`
	SessionID string     `gorm:"column:session_id"`
	CreatedAt time.Time  `gorm:"column:created_at"`
	UsedAt    *time.Time `gorm:"column:used_at"`
}

func (refreshToken) TableName() string { return "refresh_tokens" }

// TokenPair is what login and refresh return.
type TokenPair struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// Service manages users, logins and sessions.
type Service struct {
	db         *store.DB
	hasher     *Hasher
	tokens     *Tokens
	throttle   *Throttle
	refreshTTL time.Duration
	now        func() time.Time

	// totpAEAD seals TOTP secrets; totpRequired are the roles that must
	// have a second factor (SetSecondFactor).
	totpAEAD     cipher.AEAD
	totpRequired []Role
	// fourEyes: a second admin approves access to case files, and admins
	// set no passwords (SetFourEyes).
	fourEyes bool
	sessions sessionCache // sessioncache.go
}

// NewService returns a Service. now is the injected clock.
func NewService(db *store.DB, hasher *Hasher, tokens *Tokens, throttle *Throttle, refreshTTL time.Duration, now func() time.Time) *Service {
	return &Service{db: db, hasher: hasher, tokens: tokens, throttle: throttle, refreshTTL: refreshTTL, now: now}
}

var errBadLogin = &apperr.Error{Kind: apperr.Unauthorized, Message: "invalid username or password"}

// Bounds of what a login accepts, checked before anything else so that an
// unauthenticated caller cannot make the server hash, store or keep large
// inputs (docs/security.md "Logins").
const (
	UsernameMaxBytes      = 64
	LoginPasswordMaxBytes = 1024
)

// badUsernameRune reports the characters a username may never hold:
// control characters, the bidirectional formatting characters that make
// a name display as another (U+200E, U+200F, U+061C, U+202A to U+202E,
// U+2066 to U+2069), and U+FFFD, which a JSON decoder puts in place of
// invalid UTF-8.
func badUsernameRune(r rune) bool {
	return unicode.IsControl(r) || r == utf8.RuneError || r == 0x200E || r == 0x200F || r == 0x061C ||
		(r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// checkLoginInput refuses empty or oversized credentials (Invalid, with
// the field).
func checkLoginInput(username, password string) error {
	var f apperr.Fields
	switch {
	case username == "":
		f.Add("username", "required")
	case len(username) > UsernameMaxBytes:
		f.Add("username", "too long: at most %d bytes", UsernameMaxBytes)
	case !utf8.ValidString(username):
		f.Add("username", "not valid UTF-8 text")
	case strings.IndexFunc(username, badUsernameRune) >= 0:
		f.Add("username", "contains a control character or a bidirectional formatting character")
	}
	switch {
	case password == "":
		f.Add("password", "required")
	case len(password) > LoginPasswordMaxBytes:
		f.Add("password", "too long: at most %d bytes", LoginPasswordMaxBytes)
	}
	return f.Err()
}

// Credentials are what a login presents: the password, and for a user
// with a second factor a TOTP code or one of his recovery codes.
type Credentials struct {
	Username     string
	Password     string
	TOTPCode     string
	RecoveryCode string
}

func (cr Credentials) hasSecondFactor() bool { return cr.TOTPCode != "" || cr.RecoveryCode != "" }

// Login checks a username and password and opens a session; it is
// LoginWith without a second factor.
func (s *Service) Login(ctx context.Context, username, password, clientIP string) (TokenPair, error) {
	return s.LoginWith(ctx, Credentials{Username: username, Password: password}, clientIP)
}

// LoginWith checks the credentials and opens a session. The attempt is
// counted by the throttle before the password is hashed (and given back
// if it succeeds); the error never says which of username or password was
// wrong. A user with a second factor also needs a right code: without one
// the answer is Unauthorized with ErrSecondFactorRequired as its cause
// (the attempt stays counted: it tells that the password was right).
func (s *Service) LoginWith(ctx context.Context, cr Credentials, clientIP string) (TokenPair, error) {
	u, err := s.checkCredentials(ctx, cr, clientIP, true)
	if err != nil {
		return TokenPair{}, err
	}
	var pair TokenPair
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		sess := session{ID: randomHex(16), Username: u.Username, CreatedAt: now, ExpiresAt: now.Add(s.refreshTTL)}
		if err := tx.Create(&sess).Error; err != nil {
			return fmt.Errorf("auth: create session: %w", err)
		}
		var err error
		pair, err = s.issue(tx, u, sess.ID, now)
		return err
	})
	return pair, err
}

// checkCredentials bounds the input, reserves the attempt with the
// throttle, and checks the password of an enabled user, then, when
// secondFactor is set and the user has one, the code (used once). An
// unknown user costs the same hash as a known one.
func (s *Service) checkCredentials(ctx context.Context, cr Credentials, clientIP string, secondFactor bool) (User, error) {
	if err := checkLoginInput(cr.Username, cr.Password); err != nil {
		return User{}, err
	}
	if !secondFactor {
		cr.TOTPCode, cr.RecoveryCode = "", ""
	}
	var f apperr.Fields
	if len(cr.TOTPCode) > codeMaxBytes {
		f.Add("totp_code", "too long: at most %d bytes", codeMaxBytes)
	}
	if len(cr.RecoveryCode) > codeMaxBytes {
		f.Add("recovery_code", "too long: at most %d bytes", codeMaxBytes)
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	var att *attempt
	if s.throttle != nil {
		var err error
		if att, err = s.throttle.reserve(ctx, cr.Username, clientIP, cr.hasSecondFactor()); err != nil {
			return User{}, err
		}
	}
	u, err := s.verifyCredentials(ctx, cr, att, secondFactor)
	if att != nil {
		if endErr := att.end(ctx, err == nil); endErr != nil && err == nil {
			err = endErr
		}
	}
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// verifyCredentials is checkCredentials after the throttle.
func (s *Service) verifyCredentials(ctx context.Context, cr Credentials, att *attempt, secondFactor bool) (User, error) {
	if att != nil && att.pastCeiling > 0 {
		// Past the account ceiling only a right second factor is tried,
		// and it is checked before any password is hashed.
		ok, err := s.peekSecondFactor(ctx, cr.Username, cr.TOTPCode, cr.RecoveryCode)
		if err != nil {
			return User{}, err
		}
		if !ok {
			return User{}, throttled(att.pastCeiling)
		}
	}
	u, ok, err := s.verifyPassword(ctx, cr.Username, cr.Password)
	if err != nil {
		return User{}, err
	}
	if !ok {
		if cr.hasSecondFactor() {
			return User{}, errBadSecondFactor
		}
		return User{}, errBadLogin
	}
	if !secondFactor {
		return u, nil
	}
	var enrolled bool
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		enrolled, ok, err = s.useSecondFactor(tx, Actor{Username: u.Username, Role: u.Role}, cr.TOTPCode, cr.RecoveryCode)
		return err
	})
	switch {
	case err != nil:
		return User{}, err
	case !enrolled:
		return u, nil
	case !cr.hasSecondFactor():
		return User{}, errTOTPRequired
	case !ok:
		return User{}, errBadSecondFactor
	}
	return u, nil
}

// verifyPassword loads username and checks password; ok is false for an
// unknown or disabled user or a wrong password.
func (s *Service) verifyPassword(ctx context.Context, username, password string) (User, bool, error) {
	var u User
	err := s.db.Read.WithContext(ctx).Where("username = ?", username).Take(&u).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, false, fmt.Errorf("auth: load user: %w", err)
	}
	if err != nil {
		s.hasher.DummyVerify(ctx)
		return User{}, false, nil
	}
	ok, err := s.hasher.Verify(ctx, u.PasswordHash, password)
	if err != nil {
		return User{}, false, fmt.Errorf("auth: verify password: %w", err)
	}
	return u, ok && !u.Disabled, nil
}

func (s *Service) issue(tx *gorm.DB, u User, sessionID string, now time.Time) (TokenPair, error) {
	access, expiresIn, _, err := s.tokens.Issue(u.Username, string(u.Role), u.Shelter(), sessionID)
	if err != nil {
		return TokenPair{}, fmt.Errorf("auth: issue token: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return TokenPair{}, fmt.Errorf("auth: random: %w", err)
	}
	refresh := base64.RawURLEncoding.EncodeToString(raw)
	rt := refreshToken{TokenHash: hashToken(refresh), SessionID: sessionID, CreatedAt: now}
	if err := tx.Create(&rt).Error; err != nil {
		return TokenPair{}, fmt.Errorf("auth: store refresh token: %w", err)
	}
	return TokenPair{AccessToken: access, TokenType: "Bearer", ExpiresIn: expiresIn, RefreshToken: refresh}, nil
}

var errBadRefresh = &apperr.Error{Kind: apperr.Unauthorized, Message: "invalid or expired refresh token; log in again"}

// Refresh exchanges a refresh token for a new access token and a new
// refresh token. A refresh token that was already used revokes its whole
// session (reuse means it was stolen), and the answer is Unauthorized.
func (s *Service) Refresh(ctx context.Context, token string) (TokenPair, error) {
	defer s.sessionsChanged()
	var pair TokenPair
	reused := false
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		var rt refreshToken
		if err := tx.Where("token_hash = ?", hashToken(token)).Take(&rt).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return errBadRefresh
			}
			return fmt.Errorf("auth: load refresh token: %w", err)
		}
		var sess session
		if err := tx.Where("id = ?", rt.SessionID).Take(&sess).Error; err != nil {
			return fmt.Errorf("auth: load session: %w", err)
		}
		if sess.RevokedAt != nil || !now.Before(sess.ExpiresAt) {
			return errBadRefresh
		}
		if rt.UsedAt != nil {
			reused = true
			return tx.Model(&session{}).Where("id = ?", sess.ID).Update("revoked_at", now).Error
		}
		var u User
		if err := tx.Where("username = ?", sess.Username).Take(&u).Error; err != nil {
			return fmt.Errorf("auth: load user: %w", err)
		}
		if u.Disabled {
			return errBadRefresh
		}
		res := tx.Model(&refreshToken{}).Where("token_hash = ? AND used_at IS NULL", rt.TokenHash).Update("used_at", now)
		if res.Error != nil {
			return fmt.Errorf("auth: rotate refresh token: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return errBadRefresh
		}
		var err error
		pair, err = s.issue(tx, u, sess.ID, now)
		return err
	})
	if err != nil {
		return TokenPair{}, err
	}
	if reused {
		return TokenPair{}, &apperr.Error{Kind: apperr.Unauthorized,
			Message: "refresh token already used: the session has been ended; log in again"}
	}
	return pair, nil
}

// Logout ends the session of the given refresh token, and the caller's
// current session.
func (s *Service) Logout(ctx context.Context, a Actor, token string) error {
	defer s.sessionsChanged()
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		now := s.now().UTC()
		ids := []string{a.Session}
		if token != "" {
			var rt refreshToken
			err := tx.Where("token_hash = ?", hashToken(token)).Take(&rt).Error
			if err == nil {
				ids = append(ids, rt.SessionID)
			} else if !errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("auth: load refresh token: %w", err)
			}
		}
		return tx.Model(&session{}).
			Where("id IN ? AND username = ? AND revoked_at IS NULL", ids, a.Username).
			Update("revoked_at", now).Error
	})
}

var errBadToken = &apperr.Error{Kind: apperr.Unauthorized, Message: "missing, invalid or expired access token"}

// Authenticate turns an access token into the Actor it was issued to. The
// user must still be enabled and the session not revoked, so disabling a
// user or logging out takes effect at once.
func (s *Service) Authenticate(ctx context.Context, token string) (Actor, error) {
	if token == "" {
		return Actor{}, errBadToken
	}
	var err error
	c, ok := s.sessions.parsed(token, s.now())
	if !ok {
		if c, err = s.tokens.Parse(token); err != nil {
			return Actor{}, errBadToken
		}
		s.sessions.keepParsed(token, c, s.now())
	}
	if a, ok := s.sessions.lookup(c.Subject, c.Session, s.now()); ok {
		return a, nil
	}
	gen, checked := s.sessions.generation(), s.now()
	var row struct {
		Role            Role
		ShelterID       *string
		Disabled        bool
		RevokedAt       *time.Time
		ExpiresAt       time.Time
		TOTPConfirmedAt *time.Time
	}
	err = s.db.Read.WithContext(ctx).Table("users").
		Select("users.role, users.shelter_id, users.disabled, auth_sessions.revoked_at, auth_sessions.expires_at, "+
			"user_totp.confirmed_at AS totp_confirmed_at").
		Joins("JOIN auth_sessions ON auth_sessions.username = users.username").
		Joins("LEFT JOIN user_totp ON user_totp.username = users.username").
		Where("users.username = ? AND auth_sessions.id = ?", c.Subject, c.Session).
		Take(&row).Error
	if err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Actor{}, errBadToken
		}
		return Actor{}, fmt.Errorf("auth: load session: %w", err)
	}
	if row.Disabled || row.RevokedAt != nil || !s.now().Before(row.ExpiresAt) {
		return Actor{}, errBadToken
	}
	a := Actor{Username: c.Subject, Role: row.Role, Session: c.Session,
		MustEnrol: row.TOTPConfirmedAt == nil && s.TOTPRequired(row.Role)}
	if row.ShelterID != nil {
		a.Shelter = *row.ShelterID
	}
	s.sessions.keep(a, row.ExpiresAt, checked, gen)
	return a, nil
}

// NewUser is the input of CreateUser.
type NewUser struct {
	Username string
	Password string
	Role     Role
	Shelter  string
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,62}$`)

func (s *Service) checkShelter(tx *gorm.DB, role Role, shelter string, f *apperr.Fields) error {
	if role.NeedsShelter() {
		if shelter == "" {
			f.AddCode("shelter", apperr.CodeRequired, "required for the role %s: give the id of an existing shelter", role)
			return nil
		}
		var n int64
		if err := tx.Table("shelters").Where("id = ?", shelter).Count(&n).Error; err != nil {
			return fmt.Errorf("auth: check shelter: %w", err)
		}
		if n == 0 {
			f.AddCode("shelter", apperr.CodeUnknownValue, "unknown shelter %q", shelter)
		}
	} else if shelter != "" && role.Valid() {
		f.Add("shelter", "must be empty for the role %s (auditors and admins belong to no shelter)", role)
	}
	return nil
}

// SetFourEyes turns on separation of duties among admins (config
// auth.four_eyes): see CreateUser and ChangeUser.
func (s *Service) SetFourEyes(on bool) { s.fourEyes = on }

// CreateUser adds a user (admins only, or the system) and records it in
// the audit chain. With four eyes on, a caseworker or supervisor created by an admin is not
// created at once: the answer's Pending is the creation waiting for a
// second admin (ApproveUserChange), and the admin gives no password (the
// user gets a one-time reset code at the approval), so that no single
// admin can make an account that reads case files (docs/security.md
// "Administrators"). The system actor creates directly.
func (s *Service) CreateUser(ctx context.Context, a Actor, nu NewUser) (UserUpdate, error) {
	if !a.Is(RoleAdmin, RoleSystem) {
		return UserUpdate{}, apperr.Forbiddenf("only admins manage users")
	}
	pending := s.fourEyes && a.Is(RoleAdmin) && nu.Role.NeedsShelter()
	var f apperr.Fields
	if !utf8.ValidString(nu.Username) || strings.IndexFunc(nu.Username, badUsernameRune) >= 0 {
		f.Add("username", "contains invalid UTF-8, a control character or a bidirectional formatting character")
	} else if !usernamePattern.MatchString(nu.Username) {
		f.Add("username", "use 2 to 63 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	if !nu.Role.Valid() {
		f.AddCode("role", apperr.CodeUnknownValue, "want one of caseworker, supervisor, auditor, admin")
	}
	if pending {
		if nu.Password != "" {
			f.Add("password", "leave it out: administrators cannot set the password of a caseworker or supervisor; "+
				"the user gets a one-time reset code when a second administrator approves the creation")
		}
	} else if err := ValidatePassword(nu.Password); err != nil {
		f.AddCode("password", passwordCode(err), "%s", err.Error())
	}
	hash := ""
	if len(f) == 0 && !pending {
		var err error
		if hash, err = s.hasher.Hash(ctx, nu.Password); err != nil {
			return UserUpdate{}, fmt.Errorf("auth: hash password: %w", err)
		}
	}
	var out UserUpdate
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		out = UserUpdate{}
		if err := s.checkShelter(tx, nu.Role, nu.Shelter, &f); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := checkUsernameFree(tx, nu.Username); err != nil {
			return err
		}
		now := s.now().UTC()
		if pending {
			c := UserChange{ID: randomHex(16), Username: nu.Username, Kind: ChangeCreate, Role: nu.Role, Shelter: nu.Shelter,
				RequestedBy: a.Username, RequestedAt: now, Status: ChangePending}
			if err := tx.Create(&c).Error; err != nil {
				return fmt.Errorf("auth: store pending creation: %w", err)
			}
			out.Pending = &c
			return appendAdmin(tx, a, "request_user_change", map[string]any{"username": c.Username, "change": c.ID,
				"kind": ChangeCreate, "role": string(c.Role), "shelter": c.Shelter}, now)
		}
		u := User{Username: nu.Username, Role: nu.Role, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
		if nu.Shelter != "" {
			sh := nu.Shelter
			u.ShelterID = &sh
		}
		if err := tx.Create(&u).Error; err != nil {
			return fmt.Errorf("auth: create user: %w", err)
		}
		out.User = u
		data := map[string]any{"username": u.Username, "role": string(u.Role), "shelter": u.Shelter()}
		return appendAdmin(tx, a, "create_user", data, now)
	})
	return out, err
}

// checkUsernameFree refuses (Conflict) a username that a user has, or
// that a pending creation holds.
func checkUsernameFree(tx *gorm.DB, username string) error {
	var n, p int64
	if err := tx.Model(&User{}).Where("username = ?", username).Count(&n).Error; err != nil {
		return fmt.Errorf("auth: check username: %w", err)
	}
	if err := tx.Model(&UserChange{}).Where("username = ? AND kind = ? AND status = ?", username, ChangeCreate, ChangePending).
		Count(&p).Error; err != nil {
		return fmt.Errorf("auth: check pending creations: %w", err)
	}
	if n > 0 || p > 0 {
		return &apperr.Error{Kind: apperr.Conflict, Message: "username already taken",
			Fields: []apperr.FieldError{{Field: "username", Message: "already taken; choose another", Code: apperr.CodeTaken}}}
	}
	return nil
}

// UserPatch is the input of UpdateUser; nil fields stay unchanged.
type UserPatch struct {
	Role     *Role
	Shelter  *string
	Disabled *bool
	Password *string
}

// UserUpdate is the result of ChangeUser: the user as stored, and the
// change of role or shelter left waiting for a second administrator, if
// any.
type UserUpdate struct {
	User    User
	Pending *UserChange
}

// UpdateUser is ChangeUser without the pending change.
func (s *Service) UpdateUser(ctx context.Context, a Actor, username string, p UserPatch) (User, error) {
	up, err := s.ChangeUser(ctx, a, username, p)
	return up.User, err
}

// ChangeUser changes a user (admins, or the system). Disabling a user, or
// a new password, role or shelter, ends their sessions at once. An admin
// cannot change his own role; with four eyes on, he cannot set a password
// (he issues a reset code instead), and a change that would let the user read case files (a
// caseworker or supervisor role, or another shelter for one) is recorded
// as pending until another admin approves it (docs/security.md
// "Administrators"); the system actor (the operator's CLI, the demo
// loader) changes directly.
func (s *Service) ChangeUser(ctx context.Context, a Actor, username string, p UserPatch) (UserUpdate, error) {
	defer s.sessionsChanged()
	if !a.Is(RoleAdmin, RoleSystem) {
		return UserUpdate{}, apperr.Forbiddenf("only admins manage users")
	}
	if a.Is(RoleAdmin) && p.Role != nil && username == a.Username {
		return UserUpdate{}, apperr.Forbiddenf("you cannot change your own role")
	}
	var f apperr.Fields
	if p.Role != nil && !p.Role.Valid() {
		f.AddCode("role", apperr.CodeUnknownValue, "want one of caseworker, supervisor, auditor, admin")
	}
	if s.fourEyes && a.Is(RoleAdmin) && p.Password != nil {
		f.Add("password", "administrators cannot set a password: issue a reset code (POST /api/v1/users/{username}/password-reset) and hand it to the user")
		p.Password = nil
	}
	hash := ""
	if p.Password != nil {
		if err := ValidatePassword(*p.Password); err != nil {
			f.AddCode("password", passwordCode(err), "%s", err.Error())
		} else {
			var err error
			if hash, err = s.hasher.Hash(ctx, *p.Password); err != nil {
				return UserUpdate{}, fmt.Errorf("auth: hash password: %w", err)
			}
		}
	}
	if p.Disabled != nil && *p.Disabled && username == a.Username {
		f.Add("disabled", "you cannot disable your own account")
	}
	var u User
	var pending *UserChange
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		pending = nil
		// Locked, so that concurrent changes of one user (several servers)
		// each start from the other's result instead of overwriting it.
		if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
			Where("username = ?", username).Take(&u).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.NotFoundf("no user %q", username)
			}
			return fmt.Errorf("auth: load user: %w", err)
		}
		role, shelter := u.Role, u.Shelter()
		if p.Role != nil {
			role = *p.Role
		}
		if p.Shelter != nil {
			shelter = *p.Shelter
		} else if p.Role != nil && !role.NeedsShelter() {
			shelter = ""
		}
		if p.Role != nil || p.Shelter != nil {
			if err := s.checkShelter(tx, role, shelter, &f); err != nil {
				return err
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.now().UTC()
		if s.fourEyes && a.Is(RoleAdmin) && grantsCaseAccess(u.Role, u.Shelter(), role, shelter) {
			var err error
			if pending, err = s.requestChange(tx, a, u.Username, role, shelter, now); err != nil {
				return err
			}
			role, shelter = u.Role, u.Shelter()
		}
		changed := map[string]bool{}
		if role != u.Role {
			u.Role, changed["role"] = role, true
		}
		if shelter != u.Shelter() {
			changed["shelter"] = true
			if shelter == "" {
				u.ShelterID = nil
			} else {
				u.ShelterID = &shelter
			}
		}
		if p.Disabled != nil && *p.Disabled != u.Disabled {
			u.Disabled, changed["disabled"] = *p.Disabled, true
		}
		if hash != "" {
			u.PasswordHash, changed["password"] = hash, true
		}
		if len(changed) == 0 {
			return nil
		}
		u.UpdatedAt = now
		if err := tx.Select("role", "shelter_id", "disabled", "password_hash", "updated_at").Save(&u).Error; err != nil {
			return fmt.Errorf("auth: update user: %w", err)
		}
		if changed["disabled"] && u.Disabled || changed["password"] || changed["role"] || changed["shelter"] {
			if err := endSessions(tx, u.Username, now); err != nil {
				return err
			}
		}
		if changed["password"] {
			if err := revokeFeeds(tx, u.Username); err != nil {
				return err
			}
		}
		names := make([]string, 0, len(changed))
		for k := range changed {
			names = append(names, k)
		}
		sort.Strings(names)
		return appendAdmin(tx, a, "update_user", map[string]any{"username": u.Username, "fields": names}, now)
	})
	return UserUpdate{User: u, Pending: pending}, err
}

// ListUsers returns every user, by username (admins only).
func (s *Service) ListUsers(ctx context.Context, a Actor) ([]User, error) {
	if !a.Is(RoleAdmin) {
		return nil, apperr.Forbiddenf("only admins manage users")
	}
	var us []User
	if err := s.db.Read.WithContext(ctx).Order("username").Find(&us).Error; err != nil {
		return nil, fmt.Errorf("auth: list users: %w", err)
	}
	return us, nil
}

// GetUser returns one user.
func (s *Service) GetUser(ctx context.Context, username string) (User, error) {
	var u User
	if err := s.db.Read.WithContext(ctx).Where("username = ?", username).Take(&u).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return User{}, apperr.NotFoundf("no user %q", username)
		}
		return User{}, fmt.Errorf("auth: load user: %w", err)
	}
	return u, nil
}

// CountUsers returns how many users exist (zero on a new database).
func (s *Service) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.Read.WithContext(ctx).Model(&User{}).Count(&n).Error
	return n, err
}

// endSessions revokes every open login session of username (and with
// them its web sessions).
func endSessions(tx *gorm.DB, username string, now time.Time) error {
	if err := tx.Model(&session{}).Where("username = ? AND revoked_at IS NULL", username).
		Update("revoked_at", now).Error; err != nil {
		return fmt.Errorf("auth: end sessions: %w", err)
	}
	return nil
}

// revokeFeeds deletes username's calendar feed token: a new password
// means the old credentials may be known to someone else, and the feed
// token is one of them.
func revokeFeeds(tx *gorm.DB, username string) error {
	if err := tx.Where("username = ?", username).Delete(&calendarFeed{}).Error; err != nil {
		return fmt.Errorf("auth: revoke calendar feeds: %w", err)
	}
	return nil
}

func appendAdmin(tx *gorm.DB, a Actor, event string, data map[string]any, now time.Time) error {
	_, err := audit.AppendAct(tx, now, a.Username, string(a.Role), event, "", eligibility.Version, data)
	return err
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("auth: crypto/rand failed: %v", err))
	}
	return hex.EncodeToString(b)
}

// PurgeSessions deletes the login sessions that ended (expired or revoked)
// before cutoff, with their refresh tokens and web sessions, and returns
// how many sessions it deleted. Nothing else refers to them: the audit
// chain records no session ids.
func (s *Service) PurgeSessions(ctx context.Context, cutoff time.Time) (int64, error) {
	cutoff = cutoff.UTC() // stored times are UTC; SQLite compares them as text
	var n int64
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		ended := tx.Model(&session{}).Select("id").
			Where("expires_at < ? OR (revoked_at IS NOT NULL AND revoked_at < ?)", cutoff, cutoff)
		if err := tx.Where("session_id IN (?)", ended).Delete(&refreshToken{}).Error; err != nil {
			return fmt.Errorf("auth: purge refresh tokens: %w", err)
		}
		if err := tx.Exec("DELETE FROM web_sessions WHERE session_id IN (?)", ended).Error; err != nil {
			return fmt.Errorf("auth: purge web sessions: %w", err)
		}
		res := tx.Where("expires_at < ? OR (revoked_at IS NOT NULL AND revoked_at < ?)", cutoff, cutoff).Delete(&session{})
		if res.Error != nil {
			return fmt.Errorf("auth: purge sessions: %w", res.Error)
		}
		n = res.RowsAffected
		return nil
	})
	return n, err
}
