// Package config owns casemgr's settings: a typed struct with defaults, read
// from an optional YAML file and overridden by CASEMGR_<SECTION>_<KEY>
// environment variables, then validated. It is passed explicitly; there is
// no global configuration.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/casemgr/casemgr/internal/eligibility"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration. The yaml tags are the keys of
// config.example.yaml; the environment variable of a key is
// CASEMGR_<SECTION>_<KEY> in upper case.
type Config struct {
	Server   Server               `yaml:"server"`
	Database Database             `yaml:"database"`
	Auth     Auth                 `yaml:"auth"`
	Security Security             `yaml:"security"`
	NRM      eligibility.Settings `yaml:"nrm"`
	Reports  Reports              `yaml:"reports"`
	Metrics  Metrics              `yaml:"metrics"`
	Log      Log                  `yaml:"log"`
	Digest   Digest               `yaml:"digest"`
}

// Digest is the daily e-mail digest of the work list (docs/casework.md
// "Reminders"): counts and case references only, never a name. Off by
// default.
type Digest struct {
	Enabled bool `yaml:"enabled"`
	// SMTPHost and SMTPPort name the mail server.
	SMTPHost string `yaml:"smtp_host"`
	SMTPPort int    `yaml:"smtp_port"`
	// SMTPSecurity is starttls (required, the default), tls (implicit TLS,
	// usually port 465) or none (only to a relay on this machine).
	SMTPSecurity string `yaml:"smtp_security"`
	SMTPUsername string `yaml:"smtp_username"`
	SMTPPassword string `yaml:"smtp_password"`
	From         string `yaml:"from"`
	// Recipients are "shelter=address" pairs: one shared mailbox of a
	// shelter's team per pair.
	Recipients []string `yaml:"recipients"`
	// Within is the horizon of the digest in days.
	Within int `yaml:"within"`
}

// Metrics guards GET /metrics.
type Metrics struct {
	// Token is the bearer token a scraper must send; empty: /metrics is
	// not served at all (docs/security.md).
	Token string `yaml:"token"`
}

// Reports holds the national-statistics settings.
type Reports struct {
	// SmallCellThreshold: in reports that leave the shelter (auditors'
	// reports, XLSX), counts below it are shown as "<N".
	SmallCellThreshold int `yaml:"small_cell_threshold"`
	// K is the default k of the k-anonymous record-level export.
	K int `yaml:"k"`
}

// Server holds the HTTP listener settings.
type Server struct {
	Listen          string        `yaml:"listen"`
	DataDir         string        `yaml:"data_dir"`
	TrustedProxies  []string      `yaml:"trusted_proxies"`
	TLSCertFile     string        `yaml:"tls_cert_file"`
	TLSKeyFile      string        `yaml:"tls_key_file"`
	RequestTimeout  time.Duration `yaml:"request_timeout"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	MaxBodyBytes    int64         `yaml:"max_body_bytes"`
}

// Database selects and tunes the database engine.
type Database struct {
	Driver        string `yaml:"driver"`
	DSN           string `yaml:"dsn"`
	BusyTimeoutMS int    `yaml:"busy_timeout_ms"`
	MaxReadConns  int    `yaml:"max_read_conns"`
}

// Auth holds login, token and password-hashing settings.
type Auth struct {
	Issuer              string        `yaml:"issuer"`
	Audience            string        `yaml:"audience"`
	AccessTokenTTL      time.Duration `yaml:"access_token_ttl"`
	RefreshTokenTTL     time.Duration `yaml:"refresh_token_ttl"`
	Argon2Time          uint32        `yaml:"argon2_time"`
	Argon2MemoryKiB     uint32        `yaml:"argon2_memory_kib"`
	Argon2Threads       uint8         `yaml:"argon2_threads"`
	MaxConcurrentHashes int           `yaml:"max_concurrent_hashes"`
	AllowWeakHashing    bool          `yaml:"allow_weak_hashing"`
	LoginMaxFailures    int           `yaml:"login_max_failures"`
	LoginMaxFailuresIP  int           `yaml:"login_max_failures_per_ip"`
	LoginFailureWindow  time.Duration `yaml:"login_failure_window"`
	// LoginMaxFailuresAccount is the ceiling of attempts for one account
	// from all addresses (LoginMaxFailures is per account and address).
	LoginMaxFailuresAccount int `yaml:"login_max_failures_per_account"`
	// TOTPRequiredRoles are the roles whose users must have a second
	// factor before they can do anything but enrol one. Empty by default,
	// as the API contract expects (login with a password); production
	// deployments set [admin, auditor] (docs/deploy.md).
	TOTPRequiredRoles []string `yaml:"totp_required_roles"`
	// FourEyes makes a second admin approve every change that gives
	// access to case files (creating a caseworker or supervisor, a role or
	// shelter change) and refuses passwords set by an admin (reset codes
	// only). Off by default, as the API contract expects (an admin creates
	// users with a password, 201); a deployment with two admins turns it on
	// (docs/security.md "Administrators").
	FourEyes bool `yaml:"four_eyes"`
}

// Security holds where the encryption keys come from.
type Security struct {
	KeyDir string `yaml:"key_dir"`
	KEK    string `yaml:"kek"`
}

// Log sets the structured log output.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		Server: Server{
			Listen:          "127.0.0.1:8080",
			TrustedProxies:  []string{},
			DataDir:         "./data",
			RequestTimeout:  30 * time.Second,
			ShutdownTimeout: 15 * time.Second,
			MaxBodyBytes:    1 << 20,
		},
		Database: Database{Driver: "sqlite", BusyTimeoutMS: 5000, MaxReadConns: 4},
		Auth: Auth{
			Issuer:                  "casemgr",
			Audience:                "casemgr-api",
			AccessTokenTTL:          15 * time.Minute,
			RefreshTokenTTL:         7 * 24 * time.Hour,
			Argon2Time:              2,
			Argon2MemoryKiB:         19456,
			Argon2Threads:           1,
			MaxConcurrentHashes:     2,
			LoginMaxFailures:        5,
			LoginMaxFailuresIP:      50,
			LoginFailureWindow:      15 * time.Minute,
			LoginMaxFailuresAccount: 100,
			TOTPRequiredRoles:       []string{},
		},
		NRM:     eligibility.DefaultSettings(),
		Reports: Reports{SmallCellThreshold: 5, K: 11},
		Log:     Log{Level: "info", Format: "json"},
		Digest:  Digest{SMTPPort: 587, SMTPSecurity: "starttls", Recipients: []string{}, Within: 7},
	}
}

// Load builds the configuration: defaults, then the YAML file at path (if
// path is not empty), then environment overrides read through getenv, then
// dataDir (the --data flag) if not empty. The result is validated.
func Load(path string, getenv func(string) string, dataDir string) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: read %s: %w", path, err)
		}
		if err := decodeYAML(b, &c); err != nil {
			return c, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	if err := applyEnv(&c, getenv); err != nil {
		return c, err
	}
	if dataDir != "" {
		c.Server.DataDir = dataDir
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

func decodeYAML(b []byte, c *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file keeps the defaults
		}
		return fmt.Errorf("invalid YAML: %w", err)
	}
	return nil
}

// EnvName returns the environment variable that overrides section.key.
func EnvName(section, key string) string {
	return "CASEMGR_" + strings.ToUpper(section) + "_" + strings.ToUpper(key)
}

// Keys lists every configuration key as "section.key", in struct order.
func Keys() []string {
	var out []string
	walk(reflect.ValueOf(&Config{}).Elem(), func(section, key string, _ reflect.Value) {
		out = append(out, section+"."+key)
	})
	return out
}

func walk(root reflect.Value, fn func(section, key string, v reflect.Value)) {
	rt := root.Type()
	for i := 0; i < rt.NumField(); i++ {
		section := rt.Field(i).Tag.Get("yaml")
		sv := root.Field(i)
		st := sv.Type()
		for j := 0; j < st.NumField(); j++ {
			fn(section, st.Field(j).Tag.Get("yaml"), sv.Field(j))
		}
	}
}

var durationType = reflect.TypeOf(time.Duration(0))

func applyEnv(c *Config, getenv func(string) string) error {
	var errs []error
	walk(reflect.ValueOf(c).Elem(), func(section, key string, v reflect.Value) {
		name := EnvName(section, key)
		raw := getenv(name)
		if raw == "" {
			return
		}
		if err := setFromString(v, raw); err != nil {
			errs = append(errs, fmt.Errorf("config: %s (%s.%s): %w", name, section, key, err))
		}
	})
	return errors.Join(errs...)
}

func setFromString(v reflect.Value, raw string) error {
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("want a duration such as 30s or 15m, got %q", raw)
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(raw)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", raw)
		}
		v.SetBool(b)
	case v.Kind() >= reflect.Int && v.Kind() <= reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("want an integer, got %q", raw)
		}
		v.SetInt(n)
	case v.Kind() >= reflect.Uint && v.Kind() <= reflect.Uint64:
		n, err := strconv.ParseUint(raw, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("want a non-negative integer, got %q", raw)
		}
		v.SetUint(n)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		var items []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		v.Set(reflect.ValueOf(items))
	default:
		return fmt.Errorf("unsupported type %s", v.Type())
	}
	return nil
}

// Validate checks values and combinations; each error names the key and
// says what is accepted.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, args...)))
	}
	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		bad("server.listen", "want host:port such as 127.0.0.1:8080, got %q", c.Server.Listen)
	}
	if c.Server.DataDir == "" {
		bad("server.data_dir", "must not be empty")
	}
	for _, p := range c.Server.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil {
			bad("server.trusted_proxies", "want CIDR ranges such as 10.0.0.0/8, got %q", p)
		}
	}
	if c.Digest.Enabled {
		if c.Digest.SMTPHost == "" || c.Digest.From == "" || len(c.Digest.Recipients) == 0 {
			bad("digest", "an enabled digest needs smtp_host, from and recipients")
		}
		for _, r := range c.Digest.Recipients {
			if sh, addr, ok := strings.Cut(r, "="); !ok || sh == "" || !strings.Contains(addr, "@") {
				bad("digest.recipients", "want shelter=address pairs such as payoke=team@example.org, got %q", r)
			}
		}
	}
	switch c.Digest.SMTPSecurity {
	case "starttls", "tls", "none":
	default:
		bad("digest.smtp_security", "want starttls, tls or none, got %q", c.Digest.SMTPSecurity)
	}
	if c.Digest.SMTPPort < 1 || c.Digest.SMTPPort > 65535 {
		bad("digest.smtp_port", "want a port from 1 to 65535")
	}
	if c.Digest.Within < 0 || c.Digest.Within > 366 {
		bad("digest.within", "want 0 to 366 days")
	}
	if (c.Server.TLSCertFile == "") != (c.Server.TLSKeyFile == "") {
		bad("server.tls_cert_file", "tls_cert_file and tls_key_file must be set together")
	}
	if c.Server.RequestTimeout <= 0 {
		bad("server.request_timeout", "must be positive")
	}
	if c.Server.ShutdownTimeout <= 0 {
		bad("server.shutdown_timeout", "must be positive")
	}
	if c.Server.MaxBodyBytes < 1024 {
		bad("server.max_body_bytes", "must be at least 1024")
	}
	if c.Metrics.Token != "" && len(c.Metrics.Token) < 16 {
		bad("metrics.token", "want at least 16 characters (a random secret), got %d", len(c.Metrics.Token))
	}
	if c.Reports.SmallCellThreshold < 2 || c.Reports.SmallCellThreshold > 100 {
		bad("reports.small_cell_threshold", "want an integer from 2 to 100, got %d", c.Reports.SmallCellThreshold)
	}
	if c.Reports.K < 2 || c.Reports.K > 1000 {
		bad("reports.k", "want an integer from 2 to 1000, got %d", c.Reports.K)
	}
	switch c.Database.Driver {
	case "sqlite":
	case "postgres":
		if c.Database.DSN == "" {
			bad("database.dsn", "required when database.driver is postgres")
		}
	default:
		bad("database.driver", "want sqlite or postgres, got %q", c.Database.Driver)
	}
	if c.Database.BusyTimeoutMS < 0 {
		bad("database.busy_timeout_ms", "must not be negative")
	}
	if c.Database.MaxReadConns < 1 {
		bad("database.max_read_conns", "must be at least 1")
	}
	if c.Auth.Issuer == "" {
		bad("auth.issuer", "must not be empty")
	}
	if c.Auth.Audience == "" {
		bad("auth.audience", "must not be empty")
	}
	if c.Auth.AccessTokenTTL <= 0 || c.Auth.AccessTokenTTL > 15*time.Minute {
		bad("auth.access_token_ttl", "must be between 1s and 15m, got %s", c.Auth.AccessTokenTTL)
	}
	if c.Auth.RefreshTokenTTL < c.Auth.AccessTokenTTL {
		bad("auth.refresh_token_ttl", "must be at least auth.access_token_ttl")
	}
	// The argon2 parameters are checked once, by internal/auth, when the
	// app opens (app.Open names the auth.argon2_* keys).
	if c.Auth.MaxConcurrentHashes < 1 {
		bad("auth.max_concurrent_hashes", "must be at least 1")
	}
	if c.Auth.LoginMaxFailures < 1 {
		bad("auth.login_max_failures", "must be at least 1")
	}
	if c.Auth.LoginMaxFailuresIP < c.Auth.LoginMaxFailures {
		bad("auth.login_max_failures_per_ip", "must be at least auth.login_max_failures")
	}
	if c.Auth.LoginMaxFailuresAccount < 1 {
		bad("auth.login_max_failures_per_account", "must be at least 1")
	}
	if c.Auth.LoginFailureWindow <= 0 {
		bad("auth.login_failure_window", "must be positive")
	}
	for _, r := range c.Auth.TOTPRequiredRoles {
		switch r {
		case "caseworker", "supervisor", "auditor", "admin":
		default:
			bad("auth.totp_required_roles", "want roles among caseworker, supervisor, auditor, admin, got %q", r)
		}
	}
	for _, p := range c.NRM.Problems() {
		bad("nrm."+p.Key, "%s", p.Message)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "want debug, info, warn or error, got %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		bad("log.format", "want json or text, got %q", c.Log.Format)
	}
	return errors.Join(errs...)
}

// KeyDir returns where the secret key files live: security.key_dir, or the
// data directory.
func (c Config) KeyDir() string {
	if c.Security.KeyDir != "" {
		return c.Security.KeyDir
	}
	return c.Server.DataDir
}

// SQLitePath returns the SQLite database file: database.dsn if set, else
// casemgr.db in the data directory.
func (c Config) SQLitePath() string {
	if c.Database.DSN != "" {
		return c.Database.DSN
	}
	return filepath.Join(c.Server.DataDir, "casemgr.db")
}
