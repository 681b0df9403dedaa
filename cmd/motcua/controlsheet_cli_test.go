package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"motcua/offline"
)

// Where printer.control_sheet says the counter's dossiers go on paper between desks,
// `dossier submit` prints Mẫu 06 with the receipt as the counter screen does (the reception
// use case decides) and says where it went, in text and in --json; a reception key, which
// may not reprint, prints it all the same as part of the reception; without the setting
// nothing is printed.
func TestSubmitPrintsControlSheet(t *testing.T) {
	if testing.Short() {
		t.Skip("receives dossiers against a sandbox")
	}
	e := newRightsEnv(t)
	sheet := func(code string) string { return filepath.Join(e.dir, "receipts", code+"-phieu-kiem-soat.pdf") }
	// without the setting (the supervisor's dossiers of the set-up): none printed
	if _, err := os.Stat(sheet(e.code)); !os.IsNotExist(err) {
		t.Fatalf("a control sheet printed without the setting: %v", err)
	}
	base, err := os.ReadFile(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.cfg, append(base, "[printer]\ncontrol_sheet = true\n"...), 0o600); err != nil {
		t.Fatal(err)
	}

	r := e.run(t, e.operator("cb01"), "dossier", "submit", e.submitFile(t))
	if r.code != exitOK {
		t.Fatalf("submit: %s", r)
	}
	code := strings.TrimSpace(r.stdout)
	if _, err := os.Stat(sheet(code)); err != nil {
		t.Fatalf("the control sheet was not printed: %v\n%s", err, r)
	}
	if !strings.Contains(r.stderr, "Phiếu kiểm soát (Mẫu 06): "+sheet(code)) {
		t.Errorf("the clerk is not told where the control sheet went:\n%s", r)
	}

	r = e.run(t, e.keyFile(offline.KeyRoleReception, "cb01"), "dossier", "submit", "--json", e.submitFile(t))
	var res submitResult
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &res) != nil {
		t.Fatalf("submit --json: %s", r)
	}
	if res.ControlSheet != sheet(res.Code) || res.ControlSheetError != "" {
		t.Errorf("the JSON does not say where the control sheet went: %+v", res)
	}
	if _, err := os.Stat(sheet(res.Code)); err != nil {
		t.Errorf("the control sheet was not printed: %v", err)
	}
}
