package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// printers list tells a reachable printer from one that does not answer, and
// printers test sends a test page: to the PDF folder, and over a raw socket
// to a thermal printer (a loopback listener standing in for one).
func TestPrintersListAndTest(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := demoStore(t)
	r := runCLI(t, "printers", "test", "--demo", "--data-dir", dir)
	if r.code != exitOK {
		t.Fatalf("%s", r)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "receipts", "IN-THU-*.pdf")); len(m) != 1 {
		t.Fatalf("test page not in the receipts folder: %v", m)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c)
		got <- b
	}()
	cfg := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(cfg, []byte("[agency]\nparent = \"UBND PHƯỜNG THỬ\"\n[printer]\nkind = \"escpos\"\nname = \"Máy in nhiệt quầy 1\"\naddress = \""+ln.Addr().String()+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, "printers", "test", "--config", cfg, "--data-dir", dir, "Máy in nhiệt quầy 1")
	if r.code != exitOK {
		t.Fatalf("%s", r)
	}
	job := <-got
	if !strings.HasPrefix(string(job), "\x1b@") || !strings.Contains(string(job), "\x1dv0") {
		t.Fatalf("not an ESC/POS raster job: % x", job[:min(16, len(job))])
	}
	ln.Close()

	// the listener is gone: the printer does not answer
	r = runCLI(t, "printers", "list", "--config", cfg, "--data-dir", dir)
	if r.code != exitFailure || !strings.Contains(r.stdout, "✗") {
		t.Fatalf("an unreachable printer must be reported:\n%s", r)
	}
}
