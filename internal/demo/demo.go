// Package demo wires the embedded demo: the sandbox gateway served in-process
// on a loopback port (so the real HTTP client is used), the demo agency's
// configuration, and a virtual card reader holding the synthetic persons' cards.
package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"motcua/internal/config"
	"motcua/lookups/sandbox"
	"motcua/offline"
)

// DemoSpan is how long the demo's agencies take over a dossier's whole processing time.
const DemoSpan = 3 * time.Minute

// Env is a running demo environment.
type Env struct {
	Config  config.Config
	URL     string // base URL of the in-process sandbox gateway
	Server  *sandbox.Server
	Station *Station // the virtual card reader: the chip emulator holding the persons' cards
	KeyFile string   // unlocks the demo store (the demo logs its operator in with it)
	// Store is the demo store as KeyFile unlocked it while starting (nil when this start
	// created the store): the counter screen works with it instead of unlocking again.
	Store *offline.Store
	// Created lists the demo operators and their passphrases when this start
	// created the demo store (empty afterwards: see CredentialsFile).
	Created         []Operator
	CredentialsFile string
	workflow        *sandbox.Workflow // the agencies' schedule (nil: the demo's)
	stop            func()
}

// Operator is a demo operator with its passphrase.
type Operator struct {
	ID, Name, Role, Passphrase string
}

// The demo's operators: a supervisor (the counter clerk of the walkthrough,
// logged in by the demo's key file with a clerk's rights; the supervisor's
// work needs the passphrase) and a volunteer, to try the volunteer's
// restrictions.
const (
	OperatorID    = "demo.canbo"
	OperatorName  = "Cán bộ Demo"
	VolunteerID   = "demo.tinhnguyen"
	VolunteerName = "Tình nguyện viên Demo"
	keyFileName   = "demo.key"
	credsFileName = "demo-operators.txt"
)

// Close stops the sandbox server.
func (e *Env) Close() {
	if e.stop != nil {
		e.stop()
	}
}

// Config returns the demo agency's configuration with data under dataDir.
func Config(dataDir string) config.Config {
	cfg := config.Default()
	cfg.Agency = config.Agency{
		Code:        "DEMO.00004",
		Parent:      "UBND PHƯỜNG BA ĐÌNH",
		Name:        "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
		Address:     "Địa chỉ demo — không phải trụ sở thật",
		Place:       "Phường Ba Đình",
		Police:      "Công an phường Ba Đình",
		Clinic:      "Trạm Y tế phường Ba Đình",
		ResultPlace: "Bộ phận Tiếp nhận và Trả kết quả, UBND phường Ba Đình (bản demo)",
	}
	cfg.Counter = 1
	cfg.DataDir = dataDir
	cfg.Printer.HandoverSlip = true // the demo shows the hand-over slip
	cfg.Gateway.Timeout = config.Duration{Duration: 5 * time.Second}
	return cfg
}

// LoadConfig is config.LoadOnto over the demo's defaults (Config): the configuration file at
// path (the default one when "") and the environment getenv. The demo shows the hand-over
// slip by default; over a thermal printer, which prints no forms, it goes without unless the
// settings themselves ask for the slip (then, as for any command, they are refused).
func LoadConfig(path string, getenv func(string) string) (config.Config, error) {
	cfg, err := config.LoadOnto(Config(""), path, getenv)
	if errors.Is(err, config.ErrThermalForms) {
		base := Config("")
		base.Printer.HandoverSlip = false
		cfg, err = config.LoadOnto(base, path, getenv)
	}
	return cfg, err
}

// Force returns cfg (the user's settings: the configuration file and the MOTCUA_* environment,
// read over Config's defaults by config.LoadOnto) with what the demo always is, whatever they
// say: the demo agency and counter 01 (its dossier codes), the in-process sandbox gateway (its
// address once started; no token, no TLS files: nothing of a real gateway's credentials
// reaches it), the virtual card reader and the demo's test PKI (no PC/SC reader, no CSCA trust
// store), the demo's own key file, and the data under dataDir, the file printer's PDFs included
// (a ward's receipts folder never gets a demo receipt). Everything else is the user's: the
// printer (its kind: a real printer prints the demo's papers, marked as such), the calendar and fee files, the limits (cut-off and return hours, cache time,
// idle lock, sync period), Telex typing, the time zone, the gateway client's timeout, retries
// and breaker, the chip reading's timeout and portrait mode (the virtual reader keeps no APDU
// trace).
func Force(cfg config.Config, dataDir string) config.Config {
	d := Config(dataDir)
	cfg.Agency, cfg.Counter = d.Agency, d.Counter
	cfg.Gateway.URL, cfg.Gateway.Token = "", ""
	cfg.Gateway.CAFile, cfg.Gateway.CertFile, cfg.Gateway.KeyFile = "", "", ""
	cfg.Card.Reader, cfg.Card.TrustStore = "", nil
	cfg.KeyFile = ""
	cfg.DataDir = dataDir
	cfg.Printer.Dir = "" // the file printer writes into <dataDir>/receipts
	return cfg
}

// PrepareConfig is Prepare with the user's settings cfg (Force applied; its DataDir is the
// demo's data directory).
func PrepareConfig(cfg config.Config, wf *sandbox.Workflow) (*Env, error) {
	e, err := Prepare(cfg.DataDir, wf)
	if err != nil {
		return nil, err
	}
	e.Config = Force(cfg, cfg.DataDir)
	return e, nil
}

// Start serves the default synthetic population on 127.0.0.1 (a free port)
// and returns the demo environment using dataDir.
func Start(ctx context.Context, dataDir string) (*Env, error) { return StartWith(ctx, dataDir, nil) }

// StartWith is Start with the agencies' schedule wf instead of the demo's (nil: the demo's,
// SeededWorkflow over DemoSpan): `motcua demo --workflow`, and the tests that need a result
// ready in seconds.
func StartWith(_ context.Context, dataDir string, wf *sandbox.Workflow) (*Env, error) {
	env, err := Prepare(dataDir, wf)
	if err != nil {
		return nil, err
	}
	if err := env.Start(); err != nil {
		return nil, err
	}
	return env, nil
}

// Prepare returns the demo environment using dataDir without starting it: its
// configuration (without the gateway's address, known once started), its files
// and its card reader (whose cards are made on first use). The counter screen
// draws its first frame while Start runs.
func Prepare(dataDir string, wf *sandbox.Workflow) (*Env, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: data directory: %w", err)
	}
	return &Env{Config: Config(dataDir), KeyFile: filepath.Join(dataDir, keyFileName),
		CredentialsFile: filepath.Join(dataDir, credsFileName), Station: newStation(sandbox.Default), workflow: wf}, nil
}

// Exists reports whether an earlier start created the demo store (a start that
// creates it makes its operators' passphrases, for the command to print).
func (e *Env) Exists() bool {
	_, err := os.Stat(e.KeyFile)
	return err == nil
}

// Start serves the sandbox gateway and unlocks (or creates) the demo store, the
// two side by side; on success Config carries the gateway's address.
func (e *Env) Start() error {
	// the store is unlocked while the sandbox starts: neither waits for the other
	stored := make(chan error, 1)
	go func() { stored <- e.ensureStore() }()
	pop := sandbox.Default()
	// The demo gateway keeps the audit heads it receives beside the demo store, so that
	// `motcua --demo audit verify` checks against the heads earlier runs anchored.
	// The agencies work fast in the demo: a dossier's whole processing time lasts DemoSpan (a
	// late one still waits for its real appointment); the other counters' dossiers of the last
	// 60 days fill the agency's list. Like the dossiers, the counters' events live as long as
	// the process.
	wf := e.workflow
	if wf == nil {
		w := sandbox.SeededWorkflow
		w.Span = DemoSpan
		wf = &w
	}
	srv, err := sandbox.Open(pop, sandbox.Options{HeadsPath: filepath.Join(e.Config.DataDir, "sandbox-audit-heads.jsonl"), Workflow: wf})
	if err != nil {
		// the store's goroutine ends first (an unlocked store holds nothing open)
		return errors.Join(fmt.Errorf("demo: start sandbox: %w", err), <-stored)
	}
	url, stop, err := sandbox.Start("127.0.0.1:0", srv)
	if err != nil {
		srv.Close()
		return errors.Join(fmt.Errorf("demo: start sandbox: %w", err), <-stored)
	}
	if err := <-stored; err != nil {
		stop()
		srv.Close()
		return err
	}
	// the store's goroutine has ended: e is this goroutine's again
	e.stop = func() { stop(); srv.Close() }
	e.URL, e.Server = url, srv
	e.Config.Gateway.URL = url
	return nil
}

// ensureStore unlocks the demo store with its key file, or creates it (and
// migrates a plain store of an earlier version): an encrypted store whose
// operators get random passphrases, written to CredentialsFile (0600) and
// returned in Created so that the command prints them.
func (e *Env) ensureStore() error {
	dir := e.Config.DataDir
	opt := offline.Options{KDF: offline.DefaultKDF}
	if e.Exists() {
		st, err := offline.UnlockWithKeyFile(dir, e.KeyFile, opt)
		if err != nil {
			return fmt.Errorf("demo: the demo store does not open with %s (delete %s to start the demo afresh): %w", e.KeyFile, dir, err)
		}
		if err := e.upgradeKeyFile(st); err != nil {
			return err
		}
		e.Store = st
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ops := []Operator{
		{ID: OperatorID, Name: OperatorName, Role: offline.RoleSupervisor, Passphrase: offline.NewCode()},
		{ID: VolunteerID, Name: VolunteerName, Role: offline.RoleVolunteer, Passphrase: offline.NewCode()},
	}
	st, err := offline.Init(dir, offline.Operator{ID: ops[0].ID, Name: ops[0].Name, Role: ops[0].Role}, ops[0].Passphrase, opt)
	if err != nil {
		return fmt.Errorf("demo: create the demo store: %w", err)
	}
	for _, o := range ops[1:] {
		if err := st.AddOperator(offline.Operator{ID: o.ID, Name: o.Name, Role: o.Role}, o.Passphrase); err != nil {
			return fmt.Errorf("demo: add operator %s: %w", o.ID, err)
		}
	}
	// the key file logs the clerk in; the supervisor's work needs the passphrase
	if _, err := st.ExportKeyFile(e.KeyFile, offline.KeyRoleClerk); err != nil {
		return fmt.Errorf("demo: key file: %w", err)
	}
	var b strings.Builder
	b.WriteString("# motcua demo: operators of the demo store (synthetic data only)\n")
	for _, o := range ops {
		fmt.Fprintf(&b, "%s\t%s\t%s\tpassphrase: %s\n", o.ID, o.Role, o.Name, o.Passphrase)
	}
	if err := os.WriteFile(e.CredentialsFile, []byte(b.String()), 0o600); err != nil {
		return err
	}
	e.Created = ops
	return nil
}

// upgradeKeyFile replaces a demo key file made before key files had roles (which has the
// sync-and-reception role, not enough for the counter screen) with one of a clerk's role,
// and revokes the old one.
func (e *Env) upgradeKeyFile(st *offline.Store) error {
	h := st.Holder()
	list, err := st.KeyFiles()
	if err != nil {
		return fmt.Errorf("demo: key files: %w", err)
	}
	for _, k := range list {
		if k.ID != h.KeyFile || k.Role != "" {
			continue
		}
		tmp := e.KeyFile + ".new"
		_ = os.Remove(tmp)
		if _, err := st.ExportKeyFile(tmp, offline.KeyRoleClerk); err != nil {
			return fmt.Errorf("demo: new key file: %w", err)
		}
		if err := os.Rename(tmp, e.KeyFile); err != nil {
			return fmt.Errorf("demo: new key file: %w", err)
		}
		// another demo process starting at the same time may have revoked it already
		if err := st.RevokeKeyFile(k.ID); err != nil && !errors.Is(err, offline.ErrNotFound) {
			return fmt.Errorf("demo: revoke the old key file: %w", err)
		}
		return nil
	}
	return nil
}
