package config

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// homeOnly is an environment with nothing but a HOME of the test's: Load
// finds the default data directory there.
func homeOnly(t *testing.T) func(string) string {
	home := t.TempDir()
	return func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}
}

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
	if err := os.WriteFile(bad, []byte("counter = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad, homeOnly(t)); err == nil || !strings.Contains(err.Error(), "bad.toml:1") {
		t.Fatalf("want a positioned error, got %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.toml"), homeOnly(t)); err == nil {
		t.Fatal("an explicit missing file must be an error")
	}
	if _, err := Load("", func(k string) string {
		return map[string]string{"MOTCUA_COUNTER": "100", "XDG_CONFIG_HOME": dir, "HOME": dir}[k]
	}); err == nil {
		t.Fatal("counter 100 must be rejected")
	}
	if _, err := Load(bad, func(k string) string { return map[string]string{"MOTCUA_CACHE_TTL": "soon", "HOME": dir}[k] }); err == nil {
		t.Fatal("bad duration must be rejected")
	}
	_, err := Load("", func(k string) string {
		return map[string]string{"MOTCUA_CARD_PORTRAIT": "xyz", "XDG_CONFIG_HOME": dir, "HOME": dir}[k]
	})
	if err == nil || !strings.Contains(err.Error(), "auto, off, blocks, kitty, iterm2, sixel") {
		t.Fatalf("card.portrait xyz must be refused with the allowed values, got %v", err)
	}
}

// A thermal printer prints receipts only: the control sheet with every reception is refused
// when the configuration is read, not at every reception.
func TestThermalPrinterRefusesTheControlSheet(t *testing.T) {
	c := Default()
	c.Printer.Kind, c.Printer.Address, c.Printer.Paper = "escpos", "192.0.2.10:9100", "80mm"
	if err := c.Validate(); err != nil {
		t.Fatalf("a thermal printer without the control sheet: %v", err)
	}
	c.Printer.ControlSheet = true
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "control_sheet") {
		t.Fatalf("a thermal printer with the control sheet: %v", err)
	}
	c.Printer.Kind = "file"
	if err := c.Validate(); err != nil {
		t.Fatalf("a file printer with the control sheet: %v", err)
	}
}

func TestCardPortrait(t *testing.T) {
	if got := Default().Card.Portrait; got != "auto" {
		t.Errorf("default card.portrait %q", got)
	}
	cfg, err := Load("", func(k string) string {
		return map[string]string{"MOTCUA_CARD_PORTRAIT": "sixel", "XDG_CONFIG_HOME": t.TempDir(), "HOME": t.TempDir()}[k]
	})
	if err != nil || cfg.Card.Portrait != "sixel" {
		t.Fatalf("%v %q", err, cfg.Card.Portrait)
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

func TestGatewayLinkSettings(t *testing.T) {
	d := Default().Gateway
	if d.Retries != 2 || d.BreakerFailures != 5 || d.BreakerCooldown.Duration != 30*time.Second || d.Budget.Duration != 0 {
		t.Fatalf("defaults %+v", d)
	}
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(`[gateway]
url = "https://gw.example"
budget = "8s"
retries = 4
breaker_failures = 3
breaker_cooldown = "1m"
ca_file = "/etc/motcua/ca.pem"
cert_file = "/etc/motcua/client.pem"
key_file = "/etc/motcua/client-key.pem"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(p, homeOnly(t))
	if err != nil {
		t.Fatal(err)
	}
	g := cfg.Gateway
	if g.Budget.Duration != 8*time.Second || g.Retries != 4 || g.BreakerFailures != 3 || g.BreakerCooldown.Duration != time.Minute ||
		g.CAFile != "/etc/motcua/ca.pem" || g.CertFile != "/etc/motcua/client.pem" || g.KeyFile != "/etc/motcua/client-key.pem" {
		t.Fatalf("from the file: %+v", g)
	}
	env := map[string]string{"HOME": t.TempDir(), "MOTCUA_GATEWAY_RETRIES": "1", "MOTCUA_GATEWAY_BREAKER_FAILURES": "9",
		"MOTCUA_GATEWAY_BREAKER_COOLDOWN": "10s", "MOTCUA_GATEWAY_BUDGET": "3s", "MOTCUA_GATEWAY_CA_FILE": "/x/ca.pem",
		"MOTCUA_GATEWAY_CERT_FILE": "/x/c.pem", "MOTCUA_GATEWAY_KEY_FILE": "/x/k.pem"}
	cfg, err = Load(p, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	g = cfg.Gateway
	if g.Retries != 1 || g.BreakerFailures != 9 || g.BreakerCooldown.Duration != 10*time.Second || g.Budget.Duration != 3*time.Second ||
		g.CAFile != "/x/ca.pem" || g.CertFile != "/x/c.pem" || g.KeyFile != "/x/k.pem" {
		t.Fatalf("from the environment: %+v", g)
	}
	for _, bad := range []map[string]string{{"MOTCUA_GATEWAY_RETRIES": "many", "HOME": t.TempDir()}, {"MOTCUA_GATEWAY_BREAKER_COOLDOWN": "soon", "HOME": t.TempDir()}} {
		if _, err := Load(p, func(k string) string { return bad[k] }); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// A configuration file saved by a Windows tool reads like the plain one:
// CRLF line ends, a UTF-8 byte order mark (Notepad's "UTF-8 with BOM") or
// UTF-16 with its mark (PowerShell 5's Out-File and ">").
func TestLoadWindowsEncodings(t *testing.T) {
	text := "counter = 4\r\n[agency]\r\ncode = \"G01.00004\"\r\nplace = \"Phường Thử Nghiệm\"\r\n"
	asUTF16 := func(order binary.AppendByteOrder, s string) []byte {
		var b []byte
		for _, u := range utf16.Encode([]rune("\uFEFF" + s)) {
			b = order.AppendUint16(b, u)
		}
		return b
	}
	for _, tt := range []struct {
		name string
		file []byte
	}{
		{"utf-8 crlf", []byte(text)},
		{"utf-8 with bom", append([]byte("\uFEFF"), text...)},
		{"utf-16le with bom", asUTF16(binary.LittleEndian, text)},
		{"utf-16be with bom", asUTF16(binary.BigEndian, text)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "config.toml")
			if err := os.WriteFile(p, tt.file, 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(p, homeOnly(t))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Counter != 4 || cfg.Agency.Code != "G01.00004" || cfg.Agency.Place != "Phường Thử Nghiệm" {
				t.Fatalf("unexpected config: %+v", cfg)
			}
		})
	}
}

// The default paths read the environment they are given, not the process's: a
// test's commands run in process with their own HOME and XDG directories.
func TestDefaultPathsFollowTheEnvironmentGiven(t *testing.T) {
	home := t.TempDir()
	for _, tc := range []struct {
		name       string
		env        map[string]string
		path, data string // "" when an error is wanted
	}{
		{"XDG directories", map[string]string{"HOME": home, "XDG_CONFIG_HOME": "/x/cfg", "XDG_DATA_HOME": "/x/data"},
			"/x/cfg/motcua/config.toml", "/x/data/motcua"},
		{"HOME only", map[string]string{"HOME": home},
			filepath.Join(home, ".config", "motcua", "config.toml"), filepath.Join(home, ".local", "share", "motcua")},
		{"relative XDG_CONFIG_HOME", map[string]string{"HOME": home, "XDG_CONFIG_HOME": "cfg"},
			"", filepath.Join(home, ".local", "share", "motcua")},
		{"nothing", map[string]string{}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string { return tc.env[k] }
			p, err := DefaultPath(getenv)
			if (tc.path == "") != (err != nil) || p != tc.path {
				t.Errorf("DefaultPath = %q, %v; want %q", p, err, tc.path)
			}
			d, err := DefaultDataDir(getenv)
			if (tc.data == "") != (err != nil) || d != tc.data {
				t.Errorf("DefaultDataDir = %q, %v; want %q", d, err, tc.data)
			}
			cfg, err := Load("", getenv)
			if tc.path != "" && tc.data != "" && (err != nil || cfg.DataDir != tc.data) {
				t.Errorf("Load: data dir %q, %v; want %q", cfg.DataDir, err, tc.data)
			}
		})
	}
}

// With the process's environment the user's directories are the standard
// library's, whatever the variables say (production reads them so).
func TestUserDirsAreTheStandardLibrarys(t *testing.T) {
	home := t.TempDir()
	for _, vars := range []map[string]string{
		{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, "cfg")},
		{"HOME": home, "XDG_CONFIG_HOME": ""},
		{"HOME": home, "XDG_CONFIG_HOME": "relative/cfg"},
		{"HOME": "", "XDG_CONFIG_HOME": ""},
		{"HOME": "", "XDG_CONFIG_HOME": filepath.Join(home, "cfg")},
	} {
		for k, v := range vars {
			t.Setenv(k, v)
		}
		wantCfg, wantCfgErr := os.UserConfigDir()
		gotCfg, gotCfgErr := userConfigDir(os.Getenv)
		if gotCfg != wantCfg || fmt.Sprint(gotCfgErr) != fmt.Sprint(wantCfgErr) {
			t.Errorf("%v: userConfigDir = %q, %v; os.UserConfigDir = %q, %v", vars, gotCfg, gotCfgErr, wantCfg, wantCfgErr)
		}
		wantHome, wantHomeErr := os.UserHomeDir()
		gotHome, gotHomeErr := userHomeDir(os.Getenv)
		if gotHome != wantHome || fmt.Sprint(gotHomeErr) != fmt.Sprint(wantHomeErr) {
			t.Errorf("%v: userHomeDir = %q, %v; os.UserHomeDir = %q, %v", vars, gotHome, gotHomeErr, wantHome, wantHomeErr)
		}
	}
}

// LoadOnto keeps the base's values the file and the environment do not set (the demo's
// defaults under the user's settings).
func TestLoadOntoKeepsTheBase(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte("[printer]\nsize = \"A5\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := Default()
	base.Agency.Code, base.Printer.HandoverSlip, base.Limits.ReturnHour = "DEMO.00004", true, 9
	env := map[string]string{"HOME": t.TempDir(), "MOTCUA_PRINTER_DIR": "/srv/bien-nhan"}
	cfg, err := LoadOnto(base, p, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Agency.Code != "DEMO.00004" || !cfg.Printer.HandoverSlip || cfg.Limits.ReturnHour != 9 ||
		cfg.Printer.Size != "A5" || cfg.Printer.Dir != "/srv/bien-nhan" || cfg.Path != p {
		t.Fatalf("unexpected config: %+v", cfg)
	}
}
