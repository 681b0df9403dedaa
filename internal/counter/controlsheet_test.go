package counter_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"motcua/internal/counter"
	"motcua/offline"
)

// controlSheetPrints counts the control sheets of the access log, by outcome.
func controlSheetPrints(t *testing.T, f *fixture) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, e := range accessLog(t, f.store) {
		if e.Action == offline.ActionPrint && e.Detail == "control-sheet" {
			n[e.DossierCode+" "+e.Outcome]++
		}
	}
	return n
}

// Where the configuration says the counter's dossiers go on paper between desks
// (printer.control_sheet), the reception itself prints Mẫu 06 with the receipt, once per
// new dossier, for every front end: not for a duplicate of a key received before, not where
// the setting is off, not for a reception kept without printing.
func TestReceptionPrintsControlSheet(t *testing.T) {
	f := printFixture(t, func(c *counter.Config) { c.ControlSheet = true })
	decl, _, _ := declaration(t, f, false)
	out, err := f.svc.ReceiveWith(ctx, decl, clerk, nil, "", counter.ReceiveOptions{Key: "ks-1"})
	if err != nil || out.PrintErr != nil || out.ControlSheetErr != nil {
		t.Fatalf("receive: %v, receipt %v, control sheet %v", err, out.PrintErr, out.ControlSheetErr)
	}
	code := out.Dossier.Code
	want := filepath.Join(f.receiptDir, code+"-phieu-kiem-soat.pdf")
	if out.ControlSheetPath != want {
		t.Fatalf("control sheet at %q, want %q", out.ControlSheetPath, want)
	}
	if pdf, err := os.ReadFile(want); err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("control sheet not printed: %v", err)
	}
	if _, err := os.Stat(f.printer.Path(code)); err != nil {
		t.Errorf("the receipt is not beside the control sheet: %v", err)
	}
	// the same key again: the first dossier, nothing printed again
	decl, _, _ = declaration(t, f, false)
	dup, err := f.svc.ReceiveWith(ctx, decl, clerk, nil, "", counter.ReceiveOptions{Key: "ks-1"})
	if err != nil || !dup.Duplicate || dup.ControlSheetPath != "" || dup.ControlSheetErr != nil {
		t.Fatalf("duplicate: %v %+v", err, dup)
	}
	// a reception kept without printing (a batch run gathering its receipts) prints no sheet
	decl, _, _ = declaration(t, f, false)
	kept, err := f.svc.ReceiveWith(ctx, decl, clerk, nil, "", counter.ReceiveOptions{NoPrint: true})
	if err != nil || kept.ControlSheetPath != "" || kept.ControlSheetErr != nil {
		t.Fatalf("reception without printing: %v %+v", err, kept)
	}
	if n := controlSheetPrints(t, f); len(n) != 1 || n[code+" ok"] != 1 {
		t.Errorf("control sheets printed: %v", n)
	}

	g := printFixture(t, func(*counter.Config) {}) // the setting off: k on the receipt screen prints it
	d := receiveOne(t, g)
	if _, err := os.Stat(filepath.Join(g.receiptDir, d.Code+"-phieu-kiem-soat.pdf")); !os.IsNotExist(err) {
		t.Errorf("a control sheet printed where it is not configured: %v", err)
	}
	if n := controlSheetPrints(t, g); len(n) != 0 {
		t.Errorf("control sheets printed: %v", n)
	}
}

// A reception's control sheet that does not print waits in the print queue as the receipt
// does, said the same way (counter.ErrPrintQueued), and prints once the printer is back.
func TestReceptionControlSheetQueuedOnPrinterFailure(t *testing.T) {
	f := printFixture(t, func(c *counter.Config) { c.ControlSheet = true })
	if err := os.RemoveAll(f.receiptDir); err != nil { // the printer goes off
		t.Fatal(err)
	}
	decl, _, _ := declaration(t, f, false)
	out, err := f.svc.Receive(ctx, decl, clerk, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(out.PrintErr, counter.ErrPrintQueued) || !errors.Is(out.ControlSheetErr, counter.ErrPrintQueued) || out.ControlSheetPath != "" {
		t.Fatalf("receipt %v, control sheet %q %v: not queued", out.PrintErr, out.ControlSheetPath, out.ControlSheetErr)
	}
	code := out.Dossier.Code
	if n := controlSheetPrints(t, f); n[code+" error"] != 1 {
		t.Errorf("control sheets logged: %v", n)
	}
	if err := os.MkdirAll(f.receiptDir, 0o700); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	if n, w, err := f.svc.RetryPrints(ctx, clerk.ID); err != nil || n != 2 || w != 0 {
		t.Fatalf("retry: printed %d, waiting %d, %v", n, w, err)
	}
	if _, err := os.Stat(filepath.Join(f.receiptDir, code+"-phieu-kiem-soat.pdf")); err != nil {
		t.Errorf("control sheet not printed by the retry: %v", err)
	}
}

// A group's receptions print their control sheets as a single reception does: each new
// dossier printed once, none for the items kept without printing nor for a duplicate.
func TestReceiveGroupPrintsControlSheets(t *testing.T) {
	f := printFixture(t, func(c *counter.Config) { c.ControlSheet = true })
	decl, _, _ := declaration(t, f, false)
	first, err := f.svc.ReceiveWith(ctx, decl, clerk, nil, "", counter.ReceiveOptions{Key: "g-dup", NoPrint: true})
	if err != nil {
		t.Fatal(err)
	}
	var items []counter.GroupItem
	for _, o := range []counter.ReceiveOptions{{Key: "g-1"}, {Key: "g-dup"}, {Key: "g-2", NoPrint: true}, {Key: "g-3"}} {
		d, _, _ := declaration(t, f, false)
		items = append(items, counter.GroupItem{Decl: d, Opts: o})
	}
	out, err := f.svc.ReceiveGroup(ctx, clerk, items, counter.GroupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		if o.Err != nil {
			t.Fatalf("item %d: %v", i, o.Err)
		}
		printed := i == 0 || i == 3
		want := ""
		if printed {
			want = filepath.Join(f.receiptDir, o.Dossier.Code+"-phieu-kiem-soat.pdf")
		}
		if o.ControlSheetPath != want || o.ControlSheetErr != nil {
			t.Errorf("item %d: control sheet %q %v, want %q", i, o.ControlSheetPath, o.ControlSheetErr, want)
		}
	}
	if !out[1].Duplicate || out[1].Dossier.Code != first.Dossier.Code {
		t.Errorf("duplicate item: %+v", out[1].Outcome)
	}
	if n := controlSheetPrints(t, f); len(n) != 2 {
		t.Errorf("control sheets printed: %v", n)
	}
}
