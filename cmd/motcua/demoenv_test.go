package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"

	"motcua/internal/config"
	"motcua/internal/demo"
)

// The demo runs with the user's settings, the configuration file's and the MOTCUA_*
// environment's, over its own defaults, except what it forces: its agency and counter, its
// in-process gateway (no real address, token or TLS file), its virtual card reader, its key
// file, and its data directory, the file printer's PDFs included: a receipt never lands in the
// folder of the ward's real receipts that the settings name.
func TestDemoHonoursTheSettings(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := demoStore(t)
	printed := t.TempDir()
	cfgFile := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(cfgFile, []byte(`counter = 7
key_file = "/nowhere/real.key"
[agency]
code = "G22.99.08"
[gateway]
url = "https://gateway.example.invalid"
ca_file = "/nowhere/ca.pem"
retries = 4
[printer]
size = "A5"
control_sheet = true
[card]
trust_store = ["/nowhere/csca"]
[limits]
cutoff_hour = 11
[input]
telex = true
`), 0o600); err != nil {
		t.Fatal(err)
	}
	setenv(t, "MOTCUA_PRINTER_DIR", printed)
	setenv(t, "MOTCUA_GATEWAY_TOKEN", "a-real-token")
	setenv(t, "MOTCUA_CARD_READER", "ACS ACR1252")
	setenv(t, "MOTCUA_IDLE_LOCK", "3m")
	r := runCLI(t, "--demo", "--config", cfgFile, "--data-dir", dir, "config", "show")
	if r.code != exitOK {
		t.Fatalf("config show: %+v", r)
	}
	var cfg config.Config
	if err := toml.Unmarshal([]byte(r.stdout), &cfg); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	// the user's
	if p := cfg.Printer; p.Dir != "" || p.Size != "A5" || !p.ControlSheet || !p.HandoverSlip {
		t.Errorf("printer %+v: want the demo's receipts folder (not MOTCUA_PRINTER_DIR's), A5 and the control sheet (the file), the hand-over slip (the demo's default)", p)
	}
	if cfg.Limits.CutoffHour != 11 || cfg.Limits.IdleLock.Duration != 3*time.Minute || !cfg.Input.Telex || cfg.Gateway.Retries != 4 {
		t.Errorf("limits %+v, telex %v, retries %d: the file's and the environment's not applied", cfg.Limits, cfg.Input.Telex, cfg.Gateway.Retries)
	}
	// the demo's
	d := demo.Config(dir)
	if cfg.Agency != d.Agency || cfg.Counter != 1 || cfg.KeyFile != "" || cfg.DataDir != dir {
		t.Errorf("agency %+v counter %d key file %q data %q: the demo's are forced", cfg.Agency, cfg.Counter, cfg.KeyFile, cfg.DataDir)
	}
	if g := cfg.Gateway; !strings.HasPrefix(g.URL, "http://127.0.0.1:") || g.Token != "" || g.CAFile != "" {
		t.Errorf("gateway %+v: the demo's sandbox, without the real gateway's token or CA", g)
	}
	if cfg.Card.Reader != "" || len(cfg.Card.TrustStore) != 0 {
		t.Errorf("card %+v: the virtual reader and the demo's PKI are forced", cfg.Card)
	}

	// the printer settings reach the counter, into the demo's own folder
	declPath := filepath.Join(t.TempDir(), "decl.json")
	decl := `{"service": "chung-thuc-ban-sao", "persons": {"requester": {"id": "` + featuredID(t, "single") + `"}},
 "values": {"originals.1.doc_name": "Giấy khai sinh", "originals.1.pages": "2", "originals.1.copies": "1"}}`
	if err := os.WriteFile(declPath, []byte(decl), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, "dossier", "submit", "--demo", "--config", cfgFile, "--data-dir", dir, declPath)
	code := strings.TrimSpace(strings.SplitN(r.stdout, "\n", 2)[0])
	if r.code != exitOK || !strings.HasPrefix(code, d.Agency.Code+"-") {
		t.Fatalf("dossier submit: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "receipts", code+".pdf")); err != nil {
		t.Errorf("the receipt is not in the demo's receipts folder: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "receipts", code+"-phieu-kiem-soat.pdf")); err != nil {
		t.Errorf("the control sheet (printer.control_sheet of the file) is not in the demo's receipts folder: %v", err)
	}
	if names, _ := filepath.Glob(filepath.Join(printed, "*")); len(names) != 0 {
		t.Errorf("the demo wrote into the real receipts folder MOTCUA_PRINTER_DIR: %v", names)
	}
}

// Without --data-dir the demo keeps its data in <data dir>/demo, the data directory the
// environment (MOTCUA_DATA_DIR) or the configuration names.
func TestDemoDataDirFollowsTheSettings(t *testing.T) {
	t.Parallel()
	isolate(t)
	base := t.TempDir()
	if err := os.Rename(demoStore(t), filepath.Join(base, "demo")); err != nil {
		t.Fatal(err)
	}
	setenv(t, "MOTCUA_DATA_DIR", base)
	r := runCLI(t, "--demo", "config", "show")
	var cfg config.Config
	if err := toml.Unmarshal([]byte(r.stdout), &cfg); r.code != exitOK || err != nil {
		t.Fatalf("config show: %v %+v", err, r)
	}
	if want := filepath.Join(base, "demo"); cfg.DataDir != want {
		t.Errorf("demo data in %s, want %s", cfg.DataDir, want)
	}
}
