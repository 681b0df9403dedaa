package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"motcua/internal/demo"
)

// A receipt kept in the store is printed again, to the printer or a file,
// and the reprint is in the access log.
func TestReceiptReprint(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := demoStore(t)
	d := receiveDemoDossier(t, dir)
	key := filepath.Join(dir, "demo.key")
	out := filepath.Join(t.TempDir(), "lai.pdf")
	r := runCLI(t, "receipt", "reprint", d.Code, "--data-dir", dir, "--key-file", key, "--operator", demo.OperatorID, "--out", out)
	if r.code != exitOK {
		t.Fatalf("%s", r)
	}
	pdf, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("reprint file: %v", err)
	}
	r = runCLI(t, "receipt", "reprint", d.Code, "--data-dir", dir, "--key-file", key, "--operator", demo.OperatorID)
	if r.code != exitOK || !strings.Contains(r.stdout, d.Code+".pdf") {
		t.Fatalf("reprint to the printer: %s", r)
	}
	r = runCLI(t, "receipt", "reprint", "DEMO.00004-261123-019999", "--data-dir", dir, "--key-file", key, "--operator", demo.OperatorID)
	if r.code != exitFailure {
		t.Fatalf("unknown code: %s", r)
	}
}
