package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	wire "motcua/internal/app"
	"motcua/internal/config"
	"motcua/internal/counter"
	"motcua/internal/demo"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
	"motcua/offline"
	"motcua/printing"
)

// env is a command's running environment: the counter's parts and, in demo
// mode, the in-process sandbox.
type env struct {
	cfg      config.Config
	demo     *demo.Env // nil outside demo mode
	store    *offline.Store
	gw       *gateway.Client
	printer  printing.Printer      // the configured receipt printer
	files    *printing.FilePrinter // the PDF folder
	svc      *counter.Service
	office   *counter.Office  // the use cases without a gateway, with the rights table (svc's own when svc is set)
	operator offline.Operator // who unlocked the store (zero for a key file)
	logFile  *os.File         // <data dir>/motcua.log (nil: it could not be opened; log lines are dropped)
	logPath  string
	logw     io.Writer
	stderr   io.Writer
	tui      bool              // the counter screen runs: nothing may be written to stderr
	kdf      offline.KDFParams // the app's (app.kdf)
}

func (e *env) Close() {
	if e.demo != nil {
		e.demo.Close()
	}
	if e.logFile != nil {
		e.logFile.Close()
	}
}

// loadConfig returns the configuration: the file and the environment, in demo mode over
// the demo's defaults and without what the demo forces (the demo started).
func (a *app) loadConfig() (config.Config, *demo.Env, error) {
	cfg, d, err := a.prepareConfig()
	if err != nil || d == nil {
		return cfg, d, err
	}
	if err := d.Start(); err != nil {
		return config.Config{}, nil, demoStartError(err)
	}
	return d.Config, d, nil
}

// demoStartError is the user's message when the demo does not start.
func demoStartError(err error) error {
	if errors.Is(err, offline.ErrStoreTooNew) {
		return failure(offline.ClerkMessage(err), err)
	}
	return failure("Không khởi động được môi trường demo.", err)
}

// prepareConfig is loadConfig without starting the demo (its gateway's address
// is not known yet).
func (a *app) prepareConfig() (config.Config, *demo.Env, error) {
	if a.demo {
		cfg, err := a.demoConfig()
		if err != nil {
			return cfg, nil, &exitError{code: exitUsage, msg: "Cấu hình không hợp lệ: " + err.Error(), err: err}
		}
		var wf *sandbox.Workflow
		if a.demoWorkflow != "" {
			wf = &sandbox.Workflow{}
			if err := json.Unmarshal([]byte(a.demoWorkflow), wf); err != nil {
				return config.Config{}, nil, usageErr("--workflow không hợp lệ: %v", err)
			}
			if err := wf.Validate(); err != nil {
				return config.Config{}, nil, usageErr("--workflow không hợp lệ: %v", err)
			}
		}
		d, err := demo.PrepareConfig(cfg, wf)
		if err != nil {
			return config.Config{}, nil, demoStartError(err)
		}
		return d.Config, d, nil
	}
	cfg, err := config.Load(a.configPath, a.getenv)
	if err != nil {
		return cfg, nil, &exitError{code: exitUsage, msg: "Cấu hình không hợp lệ: " + err.Error(), err: err}
	}
	if a.dataDir != "" {
		cfg.DataDir = a.dataDir
	}
	return cfg, nil, nil
}

// demoConfig is the demo's configuration: the configuration file and the MOTCUA_* environment
// over the demo's defaults, without what the demo forces (demo.Force), the data in --data-dir,
// else in <data dir>/demo (data_dir, MOTCUA_DATA_DIR, else the user's default).
func (a *app) demoConfig() (config.Config, error) {
	cfg, err := demo.LoadConfig(a.configPath, a.getenv)
	if err != nil {
		return cfg, err
	}
	dir := a.dataDir
	if dir == "" {
		dir = filepath.Join(cfg.DataDir, "demo")
	}
	return demo.Force(cfg, dir), nil
}

// openEnv builds the environment and unlocks the store (see credentials).
// Log lines (English, with the causes of errors, no personal data) go to
// <data dir>/motcua.log, for the commands as for the TUI: a person reads
// Vietnamese messages on the terminal, never log lines. The store is not
// held open.
func (a *app) openEnv(tui bool) (*env, error) {
	e, err := a.prepareEnv(tui)
	if err != nil {
		return nil, err
	}
	cred, err := a.credentials(e)
	if err != nil {
		e.Close()
		return nil, err
	}
	if err := e.unlock(cred); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// prepareEnv loads the configuration (starting the demo sandbox in demo
// mode) and opens the log, without unlocking the store. The TUI cannot run
// without its log; a command whose log cannot be opened (no data directory
// yet) drops its log lines.
func (a *app) prepareEnv(tui bool) (*env, error) {
	load := a.loadConfig
	if tui { // the counter screen starts the demo beside its first frame (startDemo)
		load = a.prepareConfig
	}
	cfg, d, err := load()
	if err != nil {
		return nil, err
	}
	e := &env{cfg: cfg, demo: d, stderr: a.stderr, tui: tui, logw: io.Discard, kdf: a.kdf}
	e.logPath = filepath.Join(cfg.DataDir, logName)
	if tui { // a command does not create the data directory for its log
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			e.Close()
			return nil, failure("Không tạo được thư mục dữ liệu "+cfg.DataDir+".", err)
		}
	}
	f, err := os.OpenFile(e.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	switch {
	case err == nil:
		e.logFile, e.logw = f, f
		a.logPath = e.logPath
	case tui:
		e.Close()
		return nil, failure("Không mở được tệp nhật ký "+e.logPath+".", err)
	}
	return e, nil
}

// logName is the log file in the data directory.
const logName = "motcua.log"

// unlock opens the store with cred and builds the counter's parts.
func (e *env) unlock(cred wire.Credentials) error {
	onWait := func() { fmt.Fprintln(e.stderr, offline.WaitMessage) }
	if e.tui { // a line on stderr would draw over the screen
		onWait = func() { fmt.Fprintln(e.logw, "level=INFO msg=\"waited for the data file\"") }
	}
	parts, err := wire.Open(e.cfg, wire.Options{Log: e.logw, OnWait: onWait, Credentials: cred, KDF: e.kdf})
	if err != nil {
		return openError(e.cfg, err)
	}
	e.store, e.gw, e.printer, e.files, e.svc, e.operator = parts.Store, parts.Gateway, parts.Printer, parts.Files, parts.Service, parts.Operator
	e.office = parts.Office
	return nil
}

// openError turns an error of wire.Open into the user's message and exit code.
func openError(cfg config.Config, err error) error {
	switch {
	case errors.Is(err, wire.ErrGateway):
		return &exitError{code: exitUsage, msg: "Địa chỉ cổng dữ liệu (gateway.url) không hợp lệ.", err: err}
	case errors.Is(err, wire.ErrPrinter):
		return &exitError{code: exitUsage, msg: "Cấu hình máy in không hợp lệ: " + err.Error(), err: err}
	case errors.Is(err, wire.ErrCalendar):
		return &exitError{code: exitUsage, msg: "Tệp lịch ngày nghỉ không hợp lệ: " + err.Error(), err: err}
	case errors.Is(err, wire.ErrFees):
		return &exitError{code: exitUsage, msg: "Tệp biểu phí, lệ phí (fees) không hợp lệ: " + err.Error(), err: err}
	case errors.Is(err, wire.ErrDataDir):
		return failure("Không dùng được thư mục dữ liệu "+cfg.DataDir+".", err)
	case errors.Is(err, offline.ErrNoStore), errors.Is(err, offline.ErrNotEncrypted):
		return failure(offline.ClerkMessage(err)+" Khởi tạo kho dữ liệu: motcua operator init", err)
	case errors.Is(err, offline.ErrLoginDelayed), errors.Is(err, offline.ErrBadPassphrase), errors.Is(err, offline.ErrOperatorDisabled),
		errors.Is(err, offline.ErrBadKeyFile), errors.Is(err, offline.ErrKeyFileMode), errors.Is(err, offline.ErrLocked),
		errors.Is(err, offline.ErrStoreTooNew):
		return failure(offline.ClerkMessage(err), err)
	}
	return failure("Không khởi tạo được quầy.", err)
}

// credentials chooses how a command unlocks the store: in demo mode, the
// passphrase of a demo operator when MOTCUA_PASSPHRASE gives one (the
// supervisor's work), else the demo's key file (a clerk's rights);
// --key-file, MOTCUA_KEY_FILE or key_file in the configuration; the
// operator's ID and passphrase from MOTCUA_OPERATOR / --operator and
// MOTCUA_PASSPHRASE; or, on a terminal, asked for.
func (a *app) credentials(e *env) (wire.Credentials, error) {
	switch {
	case e.demo != nil && a.getenv("MOTCUA_PASSPHRASE") != "":
		return wire.Credentials{Operator: a.actingID(), Passphrase: a.getenv("MOTCUA_PASSPHRASE")}, nil
	case e.demo != nil:
		return wire.Credentials{KeyFile: e.demo.KeyFile}, nil
	case a.keyFile != "":
		return wire.Credentials{KeyFile: a.keyFile}, nil
	case e.cfg.KeyFile != "":
		return wire.Credentials{KeyFile: e.cfg.KeyFile}, nil
	}
	id, pass := a.operatorFlag, a.getenv("MOTCUA_PASSPHRASE")
	if id == "" {
		id = a.getenv("MOTCUA_OPERATOR")
	}
	if (id == "" || pass == "") && a.interactive() {
		var err error
		if id, pass, err = a.askLogin(id); err != nil {
			return wire.Credentials{}, err
		}
	}
	if id == "" || pass == "" {
		return wire.Credentials{}, usageErr("kho dữ liệu được mã hóa: cần --key-file (hoặc MOTCUA_KEY_FILE), " +
			"hoặc mã cán bộ và mật khẩu (MOTCUA_OPERATOR, MOTCUA_PASSPHRASE)")
	}
	return wire.Credentials{Operator: id, Passphrase: pass}, nil
}

// needGatewayConfig fails with a clear message, before any unlocking, when
// no gateway is configured (the demo always has its own).
func (a *app) needGatewayConfig() error {
	if a.demo {
		return nil
	}
	cfg, _, err := a.loadConfig()
	if err != nil {
		return err
	}
	if cfg.Gateway.URL == "" {
		return (&env{}).needGateway()
	}
	return nil
}

// needGateway fails with a clear message when no gateway is configured.
func (e *env) needGateway() error {
	if e.svc == nil {
		return &exitError{code: exitUsage, msg: "Chưa cấu hình địa chỉ cổng dữ liệu dân cư (gateway.url hoặc MOTCUA_GATEWAY_URL). " +
			"Muốn thử trên dữ liệu demo: thêm --demo."}
	}
	return nil
}
