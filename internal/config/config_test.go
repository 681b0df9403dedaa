package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadFileAndEnv(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config.toml")
	err := os.WriteFile(p, []byte(`counter = 7
data_dir = "/srv/motcua"
[agency]
code = "G01.00004"
[gateway]
url = "https://gw.example"
timeout = "2s"
[limits]
cache_ttl = "12h"
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"MOTCUA_COUNTER": "3", "MOTCUA_CACHE_TTL": "1h"}
	cfg, err := Load(p, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Counter != 3 || cfg.Agency.Code != "G01.00004" || cfg.Gateway.URL != "https://gw.example" ||
		cfg.Gateway.Timeout.Duration != 2*time.Second || cfg.Limits.CacheTTL.Duration != time.Hour ||
		cfg.DataDir != "/srv/motcua" || cfg.Path != p || cfg.Limits.CutoffHour != 15 {
		t.Fatalf("unexpected config: %+v", cfg)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("counter = \"x\"\n"), 0o600)
	if _, err := Load(bad, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "bad.toml:1") {
		t.Fatalf("want a positioned error, got %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.toml"), func(string) string { return "" }); err == nil {
		t.Fatal("an explicit missing file must be an error")
	}
	if _, err := Load("", func(k string) string {
		return map[string]string{"MOTCUA_COUNTER": "100", "XDG_CONFIG_HOME": dir}[k]
	}); err == nil {
		t.Fatal("counter 100 must be rejected")
	}
	if _, err := Load(bad, func(k string) string { return map[string]string{"MOTCUA_CACHE_TTL": "soon"}[k] }); err == nil {
		t.Fatal("bad duration must be rejected")
	}
}

func TestEncodeHidesToken(t *testing.T) {
	c := Default()
	c.Gateway.Token = "secret-token"
	b, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "secret-token") {
		t.Fatal("token leaked into the encoded config")
	}
}
