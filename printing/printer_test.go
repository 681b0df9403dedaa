package printing

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestFilePrinterPrint(t *testing.T) {
	dir := t.TempDir()
	p := NewFilePrinter(dir)
	ctx := context.Background()
	if err := p.Status(ctx); err != nil {
		t.Fatalf("Status on a writable dir: %v", err)
	}
	code := "G22.99.08-261123-0004"
	if want := filepath.Join(dir, code+".pdf"); p.Path(code) != want {
		t.Fatalf("Path = %q, want %q", p.Path(code), want)
	}
	for _, content := range [][]byte{[]byte("%PDF-first"), []byte("%PDF-second, a reprint")} {
		if err := p.Print(ctx, Job{DossierCode: code, PDF: content}); err != nil {
			t.Fatalf("Print: %v", err)
		}
		got, err := os.ReadFile(p.Path(code))
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("file = %q, %v; want %q", got, err, content)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("directory holds %v, want only the receipt (no temp files left)", names)
	}
	if !strings.HasPrefix(p.Name(), "file:") {
		t.Errorf("Name = %q", p.Name())
	}
}

func TestFilePrinterRejects(t *testing.T) {
	dir := t.TempDir()
	p := NewFilePrinter(dir)
	ctx := context.Background()
	cases := []struct {
		name string
		job  Job
	}{
		{"empty code", Job{DossierCode: "", PDF: []byte("x")}},
		{"path traversal", Job{DossierCode: "../escape", PDF: []byte("x")}},
		{"dot file", Job{DossierCode: ".hidden", PDF: []byte("x")}},
		{"separator", Job{DossierCode: `a\b`, PDF: []byte("x")}},
		{"empty pdf", Job{DossierCode: "G22-261123-0001"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var pe *Error
			if err := p.Print(ctx, tc.job); !errors.As(err, &pe) || pe.Clerk == "" {
				t.Fatalf("Print = %v, want *Error with a clerk message", err)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("rejected jobs left %d files", len(entries))
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := p.Print(cctx, Job{DossierCode: "G22-261123-0001", PDF: []byte("x")}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Print with a cancelled context = %v", err)
	}
}

func TestFilePrinterStatusUnwritable(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, dir string }{
		{"missing dir", filepath.Join(base, "missing")},
		{"not a dir", file},
	}
	if os.Geteuid() != 0 { // root writes through permission bits
		ro := filepath.Join(base, "read-only")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, struct{ name, dir string }{"read-only dir", ro})
	} else {
		t.Log("running as root: the read-only directory case is not checked (root ignores mode bits)")
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewFilePrinter(tc.dir)
			var pe *Error
			if err := p.Status(context.Background()); !errors.As(err, &pe) || pe.Clerk == "" {
				t.Fatalf("Status = %v, want *Error with a clerk message", err)
			}
			if err := p.Print(context.Background(), Job{DossierCode: "G22-261123-0001", PDF: []byte("x")}); err == nil {
				t.Fatal("Print into an unwritable place succeeded")
			}
		})
	}
}

// A receipt holds a citizen's name and ID: its file is 0600 whatever the folder's mode and
// the process's umask, first print and reprint alike.
func TestFilePrinterFileMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are ACLs on Windows")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil { // a folder shared by hand
		t.Fatal(err)
	}
	p := NewFilePrinter(dir)
	code := "G22.99.08-261123-0005"
	for _, content := range [][]byte{[]byte("%PDF-first"), []byte("%PDF-reprint")} {
		if err := p.Print(context.Background(), Job{DossierCode: code, PDF: content}); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(p.Path(code))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("receipt file mode %v, want 0600", st.Mode().Perm())
		}
	}
}

// OutputPath and Where say where a job went: the file of a printer writing files, the
// printer's name for the others.
func TestOutputPath(t *testing.T) {
	dir := t.TempDir()
	var files Printer = NewFilePrinter(dir)
	if path, ok := OutputPath(files, "G22.99.08-261123-0004-ban-giao"); !ok || path != filepath.Join(dir, "G22.99.08-261123-0004-ban-giao.pdf") {
		t.Errorf("file printer: %q %v", path, ok)
	}
	if got := Where(files, "X"); got != filepath.Join(dir, "X.pdf") {
		t.Errorf("Where(file printer) = %q", got)
	}
	ipp, err := NewIPPPrinter("ipp://127.0.0.1:631/printers/quay1", IPPOptions{Name: "Quầy 1"})
	if err != nil {
		t.Fatal(err)
	}
	if path, ok := OutputPath(ipp, "X"); ok || path != "" {
		t.Errorf("IPP printer: %q %v", path, ok)
	}
	if got := Where(ipp, "X"); got != ipp.Name() {
		t.Errorf("Where(IPP printer) = %q, want its name %q", got, ipp.Name())
	}
}
