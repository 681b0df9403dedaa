package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The reports' commands: a supervisor shows the period as text and JSON and exports it as
// XLSX and PDF (the format by the extension; another is refused, the allowed ones named); a
// clerk is refused.
func TestReportCommands(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the reports' commands against a sandbox")
	}
	e := newRightsEnv(t)
	gs, cb := e.operator("gs01"), e.operator("cb01")
	today := time.Now().Format("02/01/2006")
	r := e.run(t, gs, "report", "show", "--from", today, "--to", today, "--json")
	var rep struct {
		Totals struct{ Received int } `json:"totals"`
		Local  int                    `json:"local"`
	}
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &rep) != nil || rep.Local == 0 || rep.Totals.Received < rep.Local {
		t.Fatalf("report show --json: %s", r)
	}
	if r := e.run(t, gs, "report", "show", "--from", today, "--to", today); r.code != exitOK || !strings.Contains(r.stdout, "Tình hình tiếp nhận và giải quyết hồ sơ") {
		t.Errorf("report show: %s", r)
	}
	for _, name := range []string{"bao-cao.xlsx", "bao-cao.pdf"} {
		out := filepath.Join(e.work, name)
		r := e.run(t, gs, "report", "export", "--from", today, "--to", today, "--out", out)
		if fi, err := os.Stat(out); r.code != exitOK || err != nil || fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
			t.Errorf("export %s: %s (%v)", name, r, err)
		}
	}
	if r := e.run(t, gs, "report", "export", "--from", today, "--to", today, "--out", filepath.Join(e.work, "bao-cao.csv")); r.code != exitUsage ||
		!strings.Contains(r.stderr, ".xlsx hoặc .pdf") {
		t.Errorf("a CSV export: %s", r)
	}
	if r := e.run(t, gs, "report", "show", "--from", "31/12/2026", "--to", "01/12/2026"); r.code != exitUsage {
		t.Errorf("a reversed period: %s", r)
	}
	if r := e.run(t, cb, "report", "show", "--from", today, "--to", today); r.code == exitOK || !strings.Contains(r.stderr, "giám sát") {
		t.Errorf("a clerk's report: %s", r)
	}
}
