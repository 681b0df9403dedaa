package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Where printer.handover_slip says the province uses the hand-over slip, `dossier return`
// prints it as the counter screen's results desk does (counter.HandOver decides) and says
// where it went; a slip the printer could not take waits in the print queue, and the command
// says so with the receipts' words; a rerun prints nothing.
func TestDossierReturnPrintsHandoverSlip(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the life's commands against a sandbox")
	}
	e := newRightsEnv(t)
	cb := e.operator("cb01")
	base, err := os.ReadFile(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	withPrinter := func(printer string) {
		t.Helper()
		if err := os.WriteFile(e.cfg, append(append([]byte(nil), base...), "[printer]\n"+printer...), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// two more dossiers whose results get ready, received while the printer works
	var more []string
	for range 2 {
		r := e.run(t, e.operator("gs01"), "dossier", "submit", e.submitFile(t))
		if r.code != exitOK {
			t.Fatalf("another dossier: %s", r)
		}
		more = append(more, strings.TrimSpace(r.stdout))
	}
	for _, code := range append([]string{e.ready}, more...) {
		waitResultReady(t, e, code)
	}
	slipPath := func(code string) string { return filepath.Join(e.dir, "receipts", code+"-ban-giao.pdf") }

	// the setting on, the printer working: printed, and the clerk told where
	withPrinter("handover_slip = true\n")
	r := e.run(t, cb, "dossier", "return", e.ready, "--receiver", featuredID(t, "single"), "--source", "card")
	if r.code != exitOK {
		t.Fatalf("hand-over: %s", r)
	}
	if _, err := os.Stat(slipPath(e.ready)); err != nil {
		t.Fatalf("the hand-over slip was not printed: %v\n%s", err, r)
	}
	if out := r.stdout + r.stderr; !strings.Contains(out, "Đã in phiếu bàn giao: "+slipPath(e.ready)) {
		t.Errorf("the clerk is not told where the slip went:\n%s", r)
	}
	// a rerun records nothing and prints nothing
	if err := os.Remove(slipPath(e.ready)); err != nil {
		t.Fatal(err)
	}
	r = e.run(t, cb, "dossier", "return", e.ready, "--receiver", featuredID(t, "single"), "--source", "card")
	if r.code != exitOK || strings.Contains(r.stdout+r.stderr, "phiếu bàn giao") {
		t.Errorf("rerun: %s", r)
	}
	if _, err := os.Stat(slipPath(e.ready)); !os.IsNotExist(err) {
		t.Error("a rerun printed the slip again")
	}

	// the printer off (an IPP queue nobody answers): the hand-over is recorded, the slip waits
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	off := "http://" + l.Addr().String() + "/printers/quay1"
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	withPrinter("handover_slip = true\nkind = \"ipp\"\nuri = \"" + off + "\"\ntimeout = \"5s\"\n")
	r = e.run(t, cb, "dossier", "return", more[0], "--receiver", featuredID(t, "single"), "--source", "card")
	if r.code != exitOK || !strings.Contains(r.stdout, "đã trả kết quả lúc") {
		t.Fatalf("hand-over with the printer off: %s", r)
	}
	if !strings.Contains(r.stderr, "Chưa in được phiếu bàn giao (đã lưu để in lại): Không kết nối được máy in") {
		t.Errorf("the clerk is not told the slip waits to print:\n%s", r)
	}
	r = e.run(t, cb, "dossier", "return", more[1], "--receiver", featuredID(t, "single"), "--source", "card", "--json")
	var step stepResult
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &step) != nil || step.Stage != "returned" {
		t.Fatalf("hand-over with the printer off: %s", r)
	}
	if step.SlipPath != "" || !step.SlipQueued || !strings.Contains(step.SlipError, "Không kết nối được máy in") {
		t.Errorf("the JSON does not say the slip waits to print: %+v", step)
	}
}

// waitResultReady waits until the sandbox's agencies have settled the dossier (its stage
// result_ready); the bound only guards against a hang.
func waitResultReady(t *testing.T, e *rightsEnv, code string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := e.run(t, e.operator("cb01"), "dossier", "status", "--json", code)
		var st statusOut
		if r.code == exitOK && json.Unmarshal([]byte(r.stdout), &st) == nil && st.Stage == "result_ready" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never got its result: %s", code, r)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
