package counter_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"motcua/internal/counter"
	"motcua/offline"
)

// A reception with an idempotency key happens once: the same key again returns the first
// dossier without saving, sending or printing anything; another declaration under the same
// key is refused.
func TestReceiveWithKeyOnce(t *testing.T) {
	f := newFixture(t)
	decl, id, _ := declaration(t, f, false)
	ctx := context.Background()
	if out, ok, err := f.svc.Resume(ctx, clerk, counter.ReceiveOptions{Key: "lo-1", Fingerprint: "fp-a"}); err != nil || ok {
		t.Fatalf("before any reception: %v %v %v", out, ok, err)
	}
	first, err := f.svc.ReceiveWith(ctx, decl, clerk, []string{id}, "", counter.ReceiveOptions{Key: "lo-1", Fingerprint: "fp-a"})
	if err != nil || first.Duplicate {
		t.Fatalf("first reception: %v, duplicate %v", err, first.Duplicate)
	}
	again, err := decl.Clone()
	if err != nil {
		t.Fatal(err)
	}
	logBefore := len(accessLog(t, f.store))
	second, err := f.svc.ReceiveWith(ctx, again, clerk, []string{id}, "", counter.ReceiveOptions{Key: "lo-1", Fingerprint: "fp-a"})
	if err != nil || !second.Duplicate || second.Dossier.Code != first.Dossier.Code || !second.Submitted {
		t.Fatalf("second reception: %v, %+v", err, second)
	}
	if n := len(accessLog(t, f.store)); n != logBefore {
		t.Errorf("a duplicate reception wrote %d access entries", n-logBefore)
	}
	list, err := f.store.ListDossiers(offline.DossierFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("%d dossiers after two receptions with one key (%v)", len(list), err)
	}
	if out, ok, err := f.svc.Resume(ctx, clerk, counter.ReceiveOptions{Key: "lo-1", Fingerprint: "fp-a"}); err != nil || !ok || out.Dossier.Code != first.Dossier.Code || !out.Duplicate {
		t.Errorf("Resume: %+v %v %v", out, ok, err)
	}
	if _, err := f.svc.ReceiveWith(ctx, again, clerk, nil, "", counter.ReceiveOptions{Key: "lo-1", Fingerprint: "fp-b"}); !errors.Is(err, counter.ErrKeyReused) {
		t.Errorf("the key with another declaration: %v, want ErrKeyReused", err)
	}
	if _, _, err := f.svc.Resume(ctx, clerk, counter.ReceiveOptions{Key: "lo-1", Fingerprint: "fp-b"}); !errors.Is(err, counter.ErrKeyReused) {
		t.Errorf("Resume with another fingerprint: %v, want ErrKeyReused", err)
	}
	for _, bad := range []string{strings.Repeat("k", counter.MaxKeyLen+1), "a\nb"} {
		if _, err := f.svc.ReceiveWith(ctx, again, clerk, nil, "", counter.ReceiveOptions{Key: bad}); !errors.Is(err, counter.ErrBadKey) {
			t.Errorf("key %q: %v, want ErrBadKey", bad, err)
		}
	}
	// another key receives a second dossier
	third, err := f.svc.ReceiveWith(ctx, again, clerk, nil, "", counter.ReceiveOptions{Key: "lo-2"})
	if err != nil || third.Duplicate || third.Dossier.Code == first.Dossier.Code {
		t.Fatalf("another key: %v %+v", err, third)
	}
}

// A keyed reception killed after its save and before it printed (here: stopped right after
// the commit) is finished by its rerun: the receipt and the control sheet (printer.control_sheet)
// print then, once; a rerun after they printed prints nothing again, nor does a reception
// whose first run printed.
func TestResumePrintsWhatTheKilledRunDidNot(t *testing.T) {
	f := printFixture(t, func(c *counter.Config) { c.ControlSheet = true })
	decl, id, _ := declaration(t, f, false)
	opts := counter.ReceiveOptions{Key: "lo-killed", Fingerprint: "fp"}
	killed := errors.New("test: killed after the commit")
	func() {
		defer func() {
			if r := recover(); r != killed {
				t.Fatalf("the reception was not stopped after its commit: %v", r)
			}
		}()
		_, _ = f.svc.ReceiveGroup(ctx, clerk, []counter.GroupItem{{Decl: decl, ReceptionIDs: []string{id}, Opts: opts}},
			counter.GroupOptions{AfterCommit: func() { panic(killed) }})
	}()
	files := func() []string {
		t.Helper()
		names, err := filepath.Glob(filepath.Join(f.receiptDir, "*.pdf"))
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	if n := files(); len(n) != 0 {
		t.Fatalf("printed before the kill: %v", n)
	}
	out, ok, err := f.svc.Resume(ctx, clerk, opts)
	if err != nil || !ok || !out.Duplicate {
		t.Fatalf("rerun: %v %v %+v", ok, err, out)
	}
	code := out.Dossier.Code
	if out.PrintErr != nil || out.ReceiptPath != filepath.Join(f.receiptDir, code+".pdf") {
		t.Errorf("the rerun did not print the receipt: %q %v", out.ReceiptPath, out.PrintErr)
	}
	if out.ControlSheetErr != nil || out.ControlSheetPath != filepath.Join(f.receiptDir, code+"-phieu-kiem-soat.pdf") {
		t.Errorf("the rerun did not print the control sheet: %q %v", out.ControlSheetPath, out.ControlSheetErr)
	}
	if n := controlSheetPrints(t, f); n[code+" ok"] != 1 {
		t.Errorf("control sheets printed: %v", n)
	}
	for _, p := range files() {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	// a second rerun, and the rerun of a reception whose first run printed: nothing printed
	again, _, _ := declaration(t, f, false)
	second := counter.ReceiveOptions{Key: "lo-printed"}
	if _, err := f.svc.ReceiveWith(ctx, again, clerk, nil, "", second); err != nil {
		t.Fatal(err)
	}
	for _, p := range files() {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range []counter.ReceiveOptions{opts, second} {
		out, ok, err := f.svc.Resume(ctx, clerk, o)
		if err != nil || !ok || out.ControlSheetPath != "" || out.ControlSheetErr != nil {
			t.Errorf("rerun of %s: %v %v %+v", o.Key, ok, err, out)
		}
	}
	if n := files(); len(n) != 0 {
		t.Errorf("a rerun printed again: %v", n)
	}
	if n, w, err := f.svc.RetryPrintsWith(ctx, clerk, counter.RetryOptions{Now: true}); err != nil || n != 0 || w != 0 {
		t.Errorf("print queue after the reruns: printed %d, waiting %d, %v", n, w, err)
	}
}
