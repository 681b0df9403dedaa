package printing

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/internal/testenv"
)

// The receipt's creation date carries the counter's time zone, and the
// document stays valid (poppler reads it without a syntax error).
func TestPDFDatesCarryTheZone(t *testing.T) {
	pdfinfo := testenv.NeedTool(t, "pdfinfo", "poppler-utils")
	ict := time.FixedZone("ICT", 7*3600)
	r := sampleReceipt(3, 3)
	r.ReceivedAt = time.Date(2026, 11, 23, 9, 45, 0, 0, ict)
	var buf bytes.Buffer
	if err := RenderPDF(&buf, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("/CreationDate (D:20261123094500+07'00')")) {
		t.Fatalf("no zone on the creation date: %q", grepLine(buf.Bytes(), "/CreationDate"))
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdfinfo, "-isodates", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	if s := string(out); !strings.Contains(s, "2026-11-23T09:45:00+07") || strings.Contains(s, "Syntax Error") {
		t.Fatalf("pdfinfo reads:\n%s", s)
	}
}

func grepLine(b []byte, what string) string {
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, what) {
			return l
		}
	}
	return ""
}
