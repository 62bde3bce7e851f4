package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func noEnv(string) string { return "" }

// TestExampleMatchesDefaults parses config.example.yaml: it must be valid,
// name every key, and give exactly the defaults.
func TestExampleMatchesDefaults(t *testing.T) {
	path := filepath.Join("..", "..", "config.example.yaml")
	got, err := Load(path, noEnv, "")
	if err != nil {
		t.Fatalf("load example: %v", err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("example config differs from defaults:\ngot  %+v\nwant %+v", got, want)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		section, key, _ := strings.Cut(k, ".")
		if _, ok := doc[section][key]; !ok {
			t.Errorf("config.example.yaml does not document %s", k)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		file    string
		env     map[string]string
		data    string
		check   func(Config) string
		wantErr string
	}{
		{name: "no file keeps defaults", check: func(c Config) string {
			if c.Server.Listen != "127.0.0.1:8080" || c.Server.DataDir != "./data" || c.Database.Driver != "sqlite" {
				return "defaults not applied"
			}
			return ""
		}},
		{name: "empty file keeps defaults", file: write("empty.yaml", ""), check: func(c Config) string {
			if c.NRM.ReflectionDays != 45 {
				return "reflection_days changed"
			}
			return ""
		}},
		{name: "file sets values", file: write("a.yaml", "nrm:\n  reflection_days: 30\nauth:\n  access_token_ttl: 5m\n"),
			check: func(c Config) string {
				if c.NRM.ReflectionDays != 30 || c.Auth.AccessTokenTTL != 5*time.Minute {
					return "file values not applied"
				}
				return ""
			}},
		{name: "env overrides file", file: write("b.yaml", "server:\n  listen: 127.0.0.1:9000\n"),
			env: map[string]string{"CASEMGR_SERVER_LISTEN": "127.0.0.1:9100", "CASEMGR_SERVER_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.0.0/16"},
			check: func(c Config) string {
				if c.Server.Listen != "127.0.0.1:9100" || len(c.Server.TrustedProxies) != 2 {
					return "env not applied"
				}
				return ""
			}},
		{name: "data flag wins", env: map[string]string{"CASEMGR_SERVER_DATA_DIR": "/x"}, data: "/y",
			check: func(c Config) string {
				if c.Server.DataDir != "/y" {
					return "got " + c.Server.DataDir
				}
				return ""
			}},
		{name: "unknown key names it", file: write("c.yaml", "nrm:\n  reflection_dayz: 30\n"), wantErr: "reflection_dayz"},
		{name: "bad value names key", file: write("d.yaml", "nrm:\n  reflection_days: 0\n"), wantErr: "nrm.reflection_days"},
		{name: "bad env names variable", env: map[string]string{"CASEMGR_NRM_TEMPORARY_MONTHS": "six"}, wantErr: "CASEMGR_NRM_TEMPORARY_MONTHS"},
		{name: "bad driver", env: map[string]string{"CASEMGR_DATABASE_DRIVER": "mysql"}, wantErr: "database.driver"},
		{name: "postgres needs dsn", env: map[string]string{"CASEMGR_DATABASE_DRIVER": "postgres"}, wantErr: "database.dsn"},
		{name: "token ttl capped", env: map[string]string{"CASEMGR_AUTH_ACCESS_TOKEN_TTL": "1h"}, wantErr: "auth.access_token_ttl"},
		{name: "thresholds ordered", env: map[string]string{"CASEMGR_NRM_SEVERITY_HIGH_DAYS": "3"}, wantErr: "nrm.severity_high_days"},
		{name: "bad listen", env: map[string]string{"CASEMGR_SERVER_LISTEN": "8080"}, wantErr: "server.listen"},
		{name: "bad proxy", env: map[string]string{"CASEMGR_SERVER_TRUSTED_PROXIES": "10.0.0.1"}, wantErr: "server.trusted_proxies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			c, err := Load(tt.file, getenv, tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if msg := tt.check(c); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	if got, want := EnvName("database", "driver"), "CASEMGR_DATABASE_DRIVER"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
