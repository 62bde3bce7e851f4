package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/casemgr/casemgr/internal/apperr"
)

// Second factor: TOTP (RFC 6238), docs/security.md "Second factor".
//
// A user enrols (EnrollTOTP: a new secret, pending), confirms with a first
// code (ConfirmTOTP: ten single-use recovery codes, shown once), and from
// then on every login needs a code of the current time step ±1, or a
// recovery code. The secret is sealed with AES-256-GCM under a key the
// vault derives from the key directory, the username as associated data,
// so a copy of the database alone does not reveal it and a sealed secret
// moved to another user does not open. The last accepted time step is
// stored, so each code is accepted once.

const (
	totpIssuer        = "casemgr"
	totpPeriod        = 30
	totpSecretBytes   = 20 // 160 bits, RFC 4226's recommendation
	recoveryCodeCount = 10
	recoveryCodeBytes = 16 // 128 bits
	// codeMaxBytes bounds a submitted code, checked before anything else.
	codeMaxBytes = 64
	// totpSealVersion is the first byte of a sealed secret.
	totpSealVersion = 0x01
	totpAADPrefix   = "casemgr totp secret v1\x00"
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// ErrSecondFactorRequired is the cause of the Unauthorized error of a
// login with the right password but no code, for a user who has a second
// factor: the HTTP layer answers it with totp_required.
var ErrSecondFactorRequired = errors.New("auth: second factor required")

var errTOTPRequired = &apperr.Error{Kind: apperr.Unauthorized,
	Message: "this account has a second factor: send totp_code (or a recovery_code) with the password",
	Err:     ErrSecondFactorRequired}

var errBadSecondFactor = &apperr.Error{Kind: apperr.Unauthorized, Message: "invalid username, password or second-factor code"}

// MustEnrolMessage is the detail of the 403 answered to a user of a role
// that needs a second factor, before he has one.
const MustEnrolMessage = "enrol a second factor first"

type userTOTP struct {
	Username    string     `gorm:"column:username;primaryKey"`
	Secret      []byte     `gorm:"column:secret"`
	ConfirmedAt *time.Time `gorm:"column:confirmed_at"`
	LastStep    int64      `gorm:"column:last_step"`
	CreatedAt   time.Time  `gorm:"column:created_at"`
}

func (userTOTP) TableName() string { return "user_totp" }

type recoveryCode struct {
	CodeHash  string     `gorm:"column:code_hash;primaryKey"`
	Username  string     `gorm:"column:username"`
	CreatedAt time.Time  `gorm:"column:created_at"`
	UsedAt    *time.Time `gorm:"column:used_at"`
}

func (recoveryCode) TableName() string { return "totp_recovery_codes" }

// SetSecondFactor gives the service the 32-byte key that seals TOTP
// secrets (vault.Keys.TOTPKey) and the roles that must have a second
// factor (config auth.totp_required_roles). Without a key, enrolment fails.
func (s *Service) SetSecondFactor(key []byte, required []Role) error {
	block, err := aes.NewCipher(key)
	if err != nil {
		return fmt.Errorf("auth: second-factor key: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return fmt.Errorf("auth: second-factor key: %w", err)
	}
	s.totpAEAD = aead
	s.totpRequired = append([]Role(nil), required...)
	return nil
}

// TOTPRequired reports whether users of role r must have a second factor.
func (s *Service) TOTPRequired(r Role) bool {
	for _, q := range s.totpRequired {
		if q == r {
			return true
		}
	}
	return false
}

func totpAAD(username string) []byte { return []byte(totpAADPrefix + username) }

func (s *Service) sealSecret(username, secret string) ([]byte, error) {
	if s.totpAEAD == nil {
		return nil, errors.New("auth: no key for second-factor secrets")
	}
	return append([]byte{totpSealVersion}, s.totpAEAD.Seal(nil, nil, []byte(secret), totpAAD(username))...), nil
}

func (s *Service) openSecret(username string, sealed []byte) (string, error) {
	if s.totpAEAD == nil {
		return "", errors.New("auth: no key for second-factor secrets")
	}
	if len(sealed) < 1 || sealed[0] != totpSealVersion {
		return "", errors.New("auth: sealed second-factor secret of unknown version")
	}
	pt, err := s.totpAEAD.Open(nil, nil, sealed[1:], totpAAD(username))
	if err != nil {
		return "", fmt.Errorf("auth: open second-factor secret of %s: %w", username, err)
	}
	return string(pt), nil
}

// matchTOTP returns the time step whose code is code, among the current
// step ±1 and later than last; ok is false when none matches.
func matchTOTP(secret, code string, now time.Time, last int64) (int64, bool) {
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	found, ok := int64(0), false
	for step := cur - 1; step <= cur+1; step++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0).UTC(), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && step > last && !ok {
			found, ok = step, true
		}
	}
	return found, ok
}

// normalizeRecoveryCode drops spaces and dashes and upper-cases, so a code
// typed as shown in groups matches.
func normalizeRecoveryCode(c string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(c))
}

// TOTPEnrolment is a new, unconfirmed second factor: the secret in base32
// and the otpauth:// URI that authenticator apps read.
type TOTPEnrolment struct {
	Secret string `json:"secret"`
	URI    string `json:"otpauth_uri"`
}

// EnrollTOTP makes a new TOTP secret for the actor, pending until
// ConfirmTOTP. It replaces an earlier unconfirmed one; a confirmed second
// factor must be disabled first (Conflict).
func (s *Service) EnrollTOTP(ctx context.Context, a Actor) (TOTPEnrolment, error) {
	if !a.Role.Valid() {
		return TOTPEnrolment{}, apperr.Forbiddenf("only users enrol a second factor")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: a.Username, Period: totpPeriod,
		SecretSize: totpSecretBytes, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Rand: rand.Reader})
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("auth: generate TOTP secret: %w", err)
	}
	sealed, err := s.sealSecret(a.Username, key.Secret())
	if err != nil {
		return TOTPEnrolment{}, err
	}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		var cur userTOTP
		err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
			Where("username = ?", a.Username).Take(&cur).Error
		switch {
		case err == nil && cur.ConfirmedAt != nil:
			return apperr.Conflictf("a second factor is already enrolled: disable it first to enrol a new one")
		case err == nil:
			if err := tx.Where("username = ?", a.Username).Delete(&userTOTP{}).Error; err != nil {
				return fmt.Errorf("auth: drop pending TOTP enrolment: %w", err)
			}
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return fmt.Errorf("auth: load TOTP enrolment: %w", err)
		}
		row := userTOTP{Username: a.Username, Secret: sealed, CreatedAt: s.now().UTC()}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("auth: store TOTP enrolment: %w", err)
		}
		return nil
	})
	if err != nil {
		return TOTPEnrolment{}, err
	}
	return TOTPEnrolment{Secret: key.Secret(), URI: key.URL()}, nil
}

// ConfirmTOTP turns the actor's pending enrolment on with a first code and
// returns ten recovery codes, shown once (only their SHA-256 is stored).
// From then on his logins need a code.
func (s *Service) ConfirmTOTP(ctx context.Context, a Actor, code string) ([]string, error) {
	defer s.sessionsChanged()
	if len(code) > codeMaxBytes {
		return nil, apperr.Field("code", "too long: at most %d bytes", codeMaxBytes)
	}
	codes := make([]string, recoveryCodeCount)
	for i := range codes {
		raw := make([]byte, recoveryCodeBytes)
		if _, err := rand.Read(raw); err != nil {
			return nil, fmt.Errorf("auth: random: %w", err)
		}
		codes[i] = resetCodeEncoding.EncodeToString(raw)
	}
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		var row userTOTP
		if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
			Where("username = ?", a.Username).Take(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.Conflictf("no enrolment waits for a code: start one with POST /api/v1/auth/totp/enroll")
			}
			return fmt.Errorf("auth: load TOTP enrolment: %w", err)
		}
		if row.ConfirmedAt != nil {
			return apperr.Conflictf("the second factor is already confirmed")
		}
		secret, err := s.openSecret(a.Username, row.Secret)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		step, ok := matchTOTP(secret, strings.TrimSpace(code), now, row.LastStep)
		if !ok {
			return apperr.Field("code", "wrong code: type the code your authenticator app shows now")
		}
		if err := tx.Model(&userTOTP{}).Where("username = ?", a.Username).
			Updates(map[string]any{"confirmed_at": now, "last_step": step}).Error; err != nil {
			return fmt.Errorf("auth: confirm TOTP: %w", err)
		}
		if err := tx.Where("username = ?", a.Username).Delete(&recoveryCode{}).Error; err != nil {
			return fmt.Errorf("auth: drop old recovery codes: %w", err)
		}
		rows := make([]recoveryCode, len(codes))
		for i, c := range codes {
			rows[i] = recoveryCode{CodeHash: hashToken(c), Username: a.Username, CreatedAt: now}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return fmt.Errorf("auth: store recovery codes: %w", err)
		}
		return appendAdmin(tx, a, "enrol_second_factor", map[string]any{"username": a.Username}, now)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// DisableTOTP removes the actor's second factor, with a current code or a
// recovery code. Roles that must have one cannot (Forbidden). Attempts
// are throttled like logins: a wrong code counts as a failed login.
func (s *Service) DisableTOTP(ctx context.Context, a Actor, code, clientIP string) error {
	defer s.sessionsChanged()
	if s.TOTPRequired(a.Role) {
		return apperr.Forbiddenf("your role must keep a second factor")
	}
	if code == "" {
		return apperr.Field("code", "required")
	}
	if len(code) > codeMaxBytes {
		return apperr.Field("code", "too long: at most %d bytes", codeMaxBytes)
	}
	var att *attempt
	if s.throttle != nil {
		var err error
		if att, err = s.throttle.reserve(ctx, a.Username, clientIP, false); err != nil {
			return err
		}
	}
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		enrolled, ok, err := s.useSecondFactor(tx, a, code, code)
		if err != nil {
			return err
		}
		if !enrolled {
			return apperr.Conflictf("no second factor is enrolled")
		}
		if !ok {
			return apperr.Field("code", "wrong or already used code")
		}
		if err := tx.Where("username = ?", a.Username).Delete(&recoveryCode{}).Error; err != nil {
			return fmt.Errorf("auth: drop recovery codes: %w", err)
		}
		if err := tx.Where("username = ?", a.Username).Delete(&userTOTP{}).Error; err != nil {
			return fmt.Errorf("auth: drop TOTP: %w", err)
		}
		return appendAdmin(tx, a, "disable_second_factor", map[string]any{"username": a.Username}, s.now().UTC())
	})
	if att != nil {
		if endErr := att.end(ctx, err == nil); endErr != nil && err == nil {
			err = endErr
		}
	}
	return err
}

// TOTPState says whether username has a confirmed second factor, or one
// waiting for its first code, and how many recovery codes are unused.
type TOTPState struct {
	Enrolled      bool `json:"enrolled"`
	Pending       bool `json:"pending"`
	RecoveryCodes int  `json:"recovery_codes_left"`
}

// SecondFactorState returns the TOTPState of username.
func (s *Service) SecondFactorState(ctx context.Context, username string) (TOTPState, error) {
	var row userTOTP
	err := s.db.Read.WithContext(ctx).Where("username = ?", username).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return TOTPState{}, nil
	}
	if err != nil {
		return TOTPState{}, fmt.Errorf("auth: load TOTP: %w", err)
	}
	st := TOTPState{Enrolled: row.ConfirmedAt != nil, Pending: row.ConfirmedAt == nil}
	if st.Enrolled {
		var n int64
		if err := s.db.Read.WithContext(ctx).Model(&recoveryCode{}).
			Where("username = ? AND used_at IS NULL", username).Count(&n).Error; err != nil {
			return TOTPState{}, fmt.Errorf("auth: count recovery codes: %w", err)
		}
		st.RecoveryCodes = int(n)
	}
	return st, nil
}

// useSecondFactor checks totpCode (a code of the time step ±1 not used
// before) or else recoveryCode (unused) of username within tx, and uses
// it: the step is remembered, the recovery code spent. enrolled is false
// when username has no confirmed second factor (nothing is checked).
func (s *Service) useSecondFactor(tx *gorm.DB, who Actor, totpCode, recovery string) (enrolled, ok bool, err error) {
	username := who.Username
	var row userTOTP
	if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
		Where("username = ? AND confirmed_at IS NOT NULL", username).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return false, false, nil
		}
		return false, false, fmt.Errorf("auth: load TOTP: %w", err)
	}
	now := s.now().UTC()
	if totpCode != "" {
		secret, err := s.openSecret(username, row.Secret)
		if err != nil {
			return true, false, err
		}
		if step, match := matchTOTP(secret, strings.TrimSpace(totpCode), now, row.LastStep); match {
			res := tx.Model(&userTOTP{}).Where("username = ? AND last_step < ?", username, step).Update("last_step", step)
			if res.Error != nil {
				return true, false, fmt.Errorf("auth: use TOTP step: %w", res.Error)
			}
			return true, res.RowsAffected == 1, nil
		}
	}
	if recovery != "" {
		res := tx.Model(&recoveryCode{}).
			Where("code_hash = ? AND username = ? AND used_at IS NULL", hashToken(normalizeRecoveryCode(recovery)), username).
			Update("used_at", now)
		if res.Error != nil {
			return true, false, fmt.Errorf("auth: use recovery code: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			return true, true, appendAdmin(tx, who, "use_recovery_code",
				map[string]any{"username": username}, now)
		}
	}
	return true, false, nil
}

// peekSecondFactor reports whether the codes would pass useSecondFactor,
// without using them: the check of an attempt past the account ceiling,
// made before the password is hashed.
func (s *Service) peekSecondFactor(ctx context.Context, username, totpCode, recovery string) (bool, error) {
	var row userTOTP
	err := s.db.Read.WithContext(ctx).Where("username = ? AND confirmed_at IS NOT NULL", username).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("auth: load TOTP: %w", err)
	}
	if totpCode != "" {
		secret, err := s.openSecret(username, row.Secret)
		if err != nil {
			return false, err
		}
		if _, ok := matchTOTP(secret, strings.TrimSpace(totpCode), s.now().UTC(), row.LastStep); ok {
			return true, nil
		}
	}
	if recovery != "" {
		var n int64
		if err := s.db.Read.WithContext(ctx).Model(&recoveryCode{}).
			Where("code_hash = ? AND username = ? AND used_at IS NULL", hashToken(normalizeRecoveryCode(recovery)), username).
			Count(&n).Error; err != nil {
			return false, fmt.Errorf("auth: load recovery code: %w", err)
		}
		return n == 1, nil
	}
	return false, nil
}
