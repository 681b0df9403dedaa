package demo_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"motcua/internal/config"
	"motcua/internal/demo"
)

// The demo takes the user's printer (MOTCUA_PRINTER_*, the configuration file) over its own
// defaults, one of which is the hand-over slip at every hand-over (a form: A5 PDF). With the
// user's thermal printer, which prints receipts only, the demo must start and must not ask for
// a form at every hand-over that the printer refuses each time. DEFECT on main: the demo's
// default printer.handover_slip stays on under the user's escpos printer (every hand-over of
// the demo reports the slip refused); refusing the combination in config.Validate alone would
// instead keep the demo from starting with a setting the user never wrote.
func TestAdversary2DemoWithTheUsersThermalPrinter(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{
		"HOME": home, "XDG_CONFIG_HOME": t.TempDir(), "XDG_DATA_HOME": t.TempDir(), "APPDATA": t.TempDir(), "LOCALAPPDATA": t.TempDir(),
		"MOTCUA_PRINTER_KIND": "escpos", "MOTCUA_PRINTER_ADDRESS": "192.0.2.10:9100",
	}
	cfg, err := demo.LoadConfig("", func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the demo's configuration with the user's thermal printer: %v", err)
	}
	cfg = demo.Force(cfg, t.TempDir())
	if cfg.Printer.Kind != "escpos" {
		t.Fatalf("printer %q: the user's thermal printer was not taken", cfg.Printer.Kind)
	}
	if cfg.Printer.HandoverSlip {
		t.Error("the demo asks its thermal printer for the hand-over slip (a form it refuses) at every hand-over")
	}
	// the settings that ask for the slip on the thermal printer themselves are refused
	file := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(file, []byte("[printer]\nhandover_slip = true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadConfig(file, func(k string) string { return env[k] }); !errors.Is(err, config.ErrThermalForms) {
		t.Errorf("handover_slip = true with the thermal printer: %v, want config.ErrThermalForms", err)
	}
}
