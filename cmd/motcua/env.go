package main

import (
	"context"
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
	"motcua/offline"
	"motcua/printing"
)

// env is a command's running environment: the counter's parts and, in demo
// mode, the in-process sandbox.
type env struct {
	cfg     config.Config
	demo    *demo.Env // nil outside demo mode
	store   *offline.Store
	gw      *gateway.Client
	printer *printing.FilePrinter
	svc     *counter.Service
	logFile *os.File // the log file of the TUI (nil: log lines go to stderr)
	logPath string
}

func (e *env) Close() {
	if e.demo != nil {
		e.demo.Close()
	}
	if e.logFile != nil {
		e.logFile.Close()
	}
}

// loadConfig returns the configuration: the demo's own in demo mode, else the file.
func (a *app) loadConfig() (config.Config, *demo.Env, error) {
	if a.demo {
		dir := a.dataDir
		if dir == "" {
			base, err := config.DefaultDataDir()
			if err != nil {
				return config.Config{}, nil, err
			}
			dir = filepath.Join(base, "demo")
		}
		d, err := demo.Start(context.Background(), dir)
		if err != nil {
			return config.Config{}, nil, failure("Không khởi động được môi trường demo.", err)
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

// openEnv builds the environment. Log lines (English, no personal data) go
// to stderr, or for the TUI to <data dir>/motcua.log so that they never draw
// over the screen. The store is not held open.
func (a *app) openEnv(logToFile bool) (*env, error) {
	cfg, d, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	e := &env{cfg: cfg, demo: d}
	var logw io.Writer = a.stderr
	if logToFile {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			e.Close()
			return nil, failure("Không tạo được thư mục dữ liệu "+cfg.DataDir+".", err)
		}
		e.logPath = filepath.Join(cfg.DataDir, "motcua.log")
		f, err := os.OpenFile(e.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			e.Close()
			return nil, failure("Không mở được tệp nhật ký "+e.logPath+".", err)
		}
		e.logFile, logw = f, f
	}
	onWait := func() { fmt.Fprintln(a.stderr, offline.WaitMessage) }
	if logToFile { // the TUI: a line on stderr would draw over the screen
		onWait = func() { fmt.Fprintln(logw, "level=INFO msg=\"waited for the data file\"") }
	}
	parts, err := wire.Open(cfg, wire.Options{Log: logw, OnWait: onWait})
	if err != nil {
		e.Close()
		switch {
		case errors.Is(err, wire.ErrGateway):
			return nil, &exitError{code: exitUsage, msg: "Địa chỉ cổng dữ liệu (gateway.url) không hợp lệ.", err: err}
		case errors.Is(err, wire.ErrCalendar):
			return nil, &exitError{code: exitUsage, msg: "Tệp lịch ngày nghỉ không hợp lệ: " + err.Error(), err: err}
		case errors.Is(err, wire.ErrDataDir):
			return nil, failure("Không dùng được thư mục dữ liệu "+cfg.DataDir+".", err)
		}
		return nil, failure("Không khởi tạo được quầy.", err)
	}
	e.store, e.gw, e.printer, e.svc = parts.Store, parts.Gateway, parts.Printer, parts.Service
	return e, nil
}

// needGateway fails with a clear message when no gateway is configured.
func (e *env) needGateway() error {
	if e.svc == nil {
		return &exitError{code: exitUsage, msg: "Chưa cấu hình địa chỉ cổng dữ liệu dân cư (gateway.url hoặc MOTCUA_GATEWAY_URL). " +
			"Muốn thử trên dữ liệu demo: thêm --demo."}
	}
	return nil
}
