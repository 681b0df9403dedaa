package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"motcua/internal/batchio"
	"motcua/internal/demo"
)

// audit export writes the format its file's extension names (JSON Lines, CSV,
// XLSX), refuses another extension with the ones allowed, and takes the dates
// as a person writes them (DD/MM/YYYY).
func TestAuditExportFormats(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := t.TempDir()
	data := demoStore(t)
	if r := runCLI(t, "dossier", "list", "--demo", "--data-dir", data); r.code != exitOK {
		t.Fatal(r)
	}
	asDemoOperator(t, data, demo.OperatorID) // a supervisor's work
	export := func(out string, extra ...string) result {
		return runCLI(t, append([]string{"audit", "export", "--demo", "--data-dir", data, "--out", out}, extra...)...)
	}
	csv := filepath.Join(dir, "nhat-ky.csv")
	if r := export(csv, "--from", "01/01/2020"); r.code != exitOK {
		t.Fatal(r)
	}
	b, err := os.ReadFile(csv)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, "seq,time,operator") || strings.HasPrefix(strings.TrimPrefix(s, "\ufeff"), "{") {
		t.Fatalf("audit.csv is not a CSV table:\n%.300s", s)
	}
	xlsx := filepath.Join(dir, "nhat-ky.xlsx")
	if r := export(xlsx); r.code != exitOK {
		t.Fatal(r)
	}
	rd, err := batchio.Open(xlsx, batchio.Options{})
	if err != nil {
		t.Fatalf("the XLSX export does not open as a table: %v", err)
	}
	defer rd.Close()
	if h := rd.Header(); len(h) < 5 || h[0] != "seq" {
		t.Fatalf("XLSX header %v", h)
	}
	if r := export(filepath.Join(dir, "nhat-ky.txt")); r.code != exitUsage || !strings.Contains(r.stderr, ".jsonl, .csv, .xlsx") {
		t.Fatalf("a .txt export: want a usage error naming the formats\n%s", r)
	}
	if r := export(filepath.Join(dir, "x.jsonl"), "--from", "2026-13-45"); r.code != exitUsage || !strings.Contains(r.stderr, "DD/MM/YYYY") {
		t.Fatalf("a bad date: want a usage error\n%s", r)
	}
}
