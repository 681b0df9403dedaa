// Package app builds the counter's running parts from a configuration: the
// store, the gateway client, the receipt printer, the working-day calendar
// and the counter service. The commands and the end-to-end tests share it.
package app

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/forms/fees"
	"motcua/internal/config"
	"motcua/internal/counter"
	"motcua/lookups/gateway"
	"motcua/offline"
	"motcua/printing"
)

// App is the counter's parts. It holds no open files.
type App struct {
	Config   config.Config
	Operator offline.Operator // who unlocked the store (zero for a key file)
	Store    *offline.Store
	Gateway  *gateway.Client       // nil when no gateway URL is configured
	Printer  printing.Printer      // the configured receipt printer
	Files    *printing.FilePrinter // the PDF folder (the printer when kind is file; reprints with --out otherwise)
	Service  *counter.Service      // nil when no gateway URL is configured
	// Office is the use cases that need only the store (the Service's own when there is one),
	// with the rights table: every command goes through it or through Service.
	Office *counter.Office
}

// Options tune Open.
type Options struct {
	Log    io.Writer // log lines (English, no personal data); nil discards
	OnWait func()    // called when a unit of work waits for the data file
	// Credentials unlock the encrypted store: a key file (unattended runs),
	// or an operator's ID and passphrase.
	Credentials Credentials
	Clock       func() time.Time // default: now in the configured time zone
	// KDF is the argon2id cost of new passphrase wraps; zero: offline.DefaultKDF (tests
	// lower it to run many commands).
	KDF offline.KDFParams
}

// Credentials unlock the store.
type Credentials struct {
	KeyFile    string
	Operator   string
	Passphrase string
	// Unlocked is a store KeyFile has already unlocked in this process (the demo's, when
	// it starts): it is used as it is, not unlocked a second time.
	Unlocked *offline.Store
}

// ErrNoCredentials says neither a key file nor an operator's passphrase was given.
var ErrNoCredentials = errors.New("app: no key file and no operator passphrase to unlock the store")

// Unlock opens the encrypted store of dir with the credentials.
func Unlock(dir string, cred Credentials, opt offline.Options) (*offline.Store, offline.Operator, error) {
	switch {
	case cred.Unlocked != nil && cred.KeyFile != "":
		return cred.Unlocked, offline.Operator{}, nil
	case cred.KeyFile != "":
		s, err := offline.UnlockWithKeyFile(dir, cred.KeyFile, opt)
		return s, offline.Operator{}, err
	case cred.Operator != "" && cred.Passphrase != "":
		return offline.Unlock(dir, cred.Operator, cred.Passphrase, opt)
	}
	return nil, offline.Operator{}, ErrNoCredentials
}

// Errors Open returns, so that callers can pick exit codes and messages.
var (
	ErrDataDir  = errors.New("app: data directory unusable")
	ErrGateway  = errors.New("app: gateway URL invalid")
	ErrCalendar = errors.New("app: calendar file invalid")
	ErrFees     = errors.New("app: fee schedule file invalid")
	ErrPrinter  = errors.New("app: printer settings invalid")
)

// Open builds the parts for cfg.
func Open(cfg config.Config, opt Options) (*App, error) {
	a := &App{Config: cfg}
	store, op, err := Unlock(cfg.DataDir, opt.Credentials, offline.Options{LockWait: cfg.Limits.LockWait.Duration, OnWait: opt.OnWait, KDF: opt.KDF})
	if err != nil {
		return nil, err
	}
	a.Store, a.Operator, a.Office = store, op, counter.NewOffice(store)
	dir := cfg.Printer.Dir
	if dir == "" {
		dir = filepath.Join(cfg.DataDir, "receipts")
		if err := PrivateDir(dir); err != nil {
			return nil, fmt.Errorf("%w: receipts %s: %w", ErrDataDir, dir, err)
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("%w: receipts %s: %w", ErrDataDir, dir, err)
	}
	a.Files = printing.NewFilePrinter(dir)
	if a.Printer, err = NewPrinter(cfg.Printer, a.Files); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPrinter, err)
	}
	if cfg.Gateway.URL == "" {
		return a, nil
	}
	if a.Gateway, err = gateway.New(gatewayConfig(cfg.Gateway)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrGateway, err)
	}
	cal := calendar.Default()
	if cfg.Calendar != "" {
		if cal, err = calendar.LoadFile(cfg.Calendar); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCalendar, err)
		}
	}
	var feeTable *fees.Table // nil: the embedded schedule
	if cfg.Fees != "" {
		if feeTable, err = fees.LoadFile(cfg.Fees); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrFees, err)
		}
		if err := forms.CheckFees(feeTable); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrFees, err)
		}
	}
	clock := opt.Clock
	if clock == nil {
		loc := cfg.Location()
		clock = func() time.Time { return time.Now().In(loc) }
	}
	logw := opt.Log
	if logw == nil {
		logw = io.Discard
	}
	exports := filepath.Join(cfg.DataDir, "exports")
	if err := PrivateDir(exports); err != nil {
		return nil, fmt.Errorf("%w: exports %s: %w", ErrDataDir, exports, err)
	}
	a.Service, err = counter.New(counter.Config{
		Agency: counter.Agency{Code: cfg.Agency.Code, Parent: cfg.Agency.Parent, Name: cfg.Agency.Name,
			Address: cfg.Agency.Address, Place: cfg.Agency.Place, Police: cfg.Agency.Police, Clinic: cfg.Agency.Clinic, ResultPlace: cfg.Agency.ResultPlace},
		Counter: cfg.Counter, CacheTTL: cfg.Limits.CacheTTL.Duration,
		CutoffHour: cfg.Limits.CutoffHour, ReturnHour: cfg.Limits.ReturnHour,
		PaperSize: cfg.Printer.Size, Location: cfg.Location(), HandoverSlip: cfg.Printer.HandoverSlip,
		ControlSheet: cfg.Printer.ControlSheet, ExportDir: exports,
	}, counter.Deps{Gateway: a.Gateway, Store: store, Printer: a.Printer, Calendar: cal,
		Fees: feeTable, Clock: clock, Log: slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return nil, err
	}
	a.Office = a.Service.Office
	return a, nil
}

// PrivateDir makes dir, a folder of the data directory holding personal files (receipts),
// with mode 0700, and takes group and other access away from one that exists: a receipt
// folder made by hand or by an older version does not stay open to other local users. A
// folder the configuration names elsewhere (printer.dir) is created 0700 but left as it is.
func PrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 { // Windows: ACLs, not modes
		return os.Chmod(dir, st.Mode().Perm()&0o700)
	}
	return nil
}

// gatewayConfig maps the [gateway] settings to the client's: in the file 0
// retries means none and 0 breaker_failures means the circuit never opens,
// where the client reads 0 as "default" and a negative value as "none".
func gatewayConfig(g config.Gateway) gateway.Config {
	none := func(n int) int {
		if n <= 0 {
			return -1
		}
		return n
	}
	return gateway.Config{BaseURL: g.URL, Token: g.Token, Timeout: g.Timeout.Duration, Budget: g.Budget.Duration,
		Retries: none(g.Retries), BreakerFailures: none(g.BreakerFailures), BreakerCooldown: g.BreakerCooldown.Duration,
		CAFile: g.CAFile, CertFile: g.CertFile, KeyFile: g.KeyFile}
}

// NewPrinter builds the configured receipt printer; files is the PDF folder
// printer used when the kind is "file".
func NewPrinter(p config.Printer, files *printing.FilePrinter) (printing.Printer, error) {
	switch p.Kind {
	case "ipp":
		return printing.NewIPPPrinter(p.URI, printing.IPPOptions{Name: p.Name, Timeout: p.Timeout.Duration})
	case "escpos":
		width := printing.Thermal80mm
		if p.Paper == "58mm" {
			width = printing.Thermal58mm
		}
		opt := printing.ESCPOSOptions{Name: p.Name, Width: width, Timeout: p.Timeout.Duration}
		if p.Address != "" {
			return printing.NewESCPOSNetPrinter(p.Address, opt)
		}
		return printing.NewESCPOSDevicePrinter(p.Device, opt)
	}
	return files, nil
}
