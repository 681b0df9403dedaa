package printing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/internal/testenv"
)

// genericPDFPPD is the cups-filters "Generic PDF Printer": its only filter is pdftopdf, so
// the device gets a PDF back.
const genericPDFPPD = "/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd"

// cupsServer is a private cupsd on a loopback port, with its configuration, spool, logs
// and output under one temporary directory.
type cupsServer struct {
	addr string // 127.0.0.1:PORT
	dir  string
	log  string
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startCUPS starts cupsd in the foreground and stops it when the test ends.
func startCUPS(t *testing.T) *cupsServer {
	t.Helper()
	cupsd := testenv.NeedTool(t, "cupsd", "cups")
	dir := t.TempDir()
	// Run as root, cupsd runs filters and the file device as user lp: it must reach the
	// output directory.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s := &cupsServer{addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), dir: dir, log: filepath.Join(dir, "log", "error_log")}
	for _, sub := range []string{"etc/ppd", "spool/tmp", "cache", "state", "log", "out"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "out"), 0o777); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`Listen %s
LogLevel debug
Browsing No
WebInterface No
DefaultAuthType None
DefaultEncryption Never
MaxLogSize 0
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order allow,deny
    Allow all
  </Limit>
</Policy>
`, s.addr)
	files := fmt.Sprintf(`ServerRoot %[1]s/etc
RequestRoot %[1]s/spool
TempDir %[1]s/spool/tmp
CacheDir %[1]s/cache
StateDir %[1]s/state
ErrorLog %[1]s/log/error_log
AccessLog %[1]s/log/access_log
PageLog %[1]s/log/page_log
FileDevice Yes
`, dir)
	etc := filepath.Join(dir, "etc")
	if err := os.WriteFile(filepath.Join(etc, "cupsd.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etc, "cups-files.conf"), []byte(files), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, cupsd, "-f", "-c", filepath.Join(etc, "cupsd.conf"), "-s", filepath.Join(etc, "cups-files.conf"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start cupsd: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			logText, _ := os.ReadFile(s.log)
			t.Logf("cupsd output:\n%s\nerror_log (tail):\n%s", out.String(), tail(string(logText), 4000))
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cupsd did not listen on %s: %v\n%s", s.addr, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// addQueue adds a queue printing into outFile, through the Generic PDF Printer driver
// when cups-filters is installed (a raw queue otherwise: the file is then the PDF sent).
func (s *cupsServer) addQueue(t *testing.T, name, outFile string) {
	t.Helper()
	lpadmin := testenv.NeedTool(t, "lpadmin", "cups-client")
	args := []string{"-h", s.addr, "-p", name, "-E", "-v", "file://" + outFile}
	if _, err := os.Stat(genericPDFPPD); err == nil {
		args = append(args, "-P", genericPDFPPD)
	} else {
		t.Logf("%s missing (Debian package cups-filters): using a raw queue", genericPDFPPD)
		args = append(args, "-m", "raw")
	}
	cmd := exec.Command(lpadmin, args...)
	cmd.Env = append(os.Environ(), "CUPS_SERVER="+s.addr)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lpadmin %v: %v\n%s", args, err, out)
	}
}

func TestCUPSPrintThroughIPP(t *testing.T) {
	pdftotext := testenv.NeedTool(t, "pdftotext", "poppler-utils")
	s := startCUPS(t)
	outFile := filepath.Join(s.dir, "out", "out.pdf")
	s.addQueue(t, "motcua-test", outFile)

	p, err := NewIPPPrinter("http://"+s.addr+"/printers/motcua-test", IPPOptions{Name: "Máy in thử", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := p.Status(ctx); err != nil {
		t.Fatalf("Status of a fresh queue: %v", err)
	}
	st, err := p.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !st.AcceptingJobs || st.State == 0 {
		t.Fatalf("state = %+v, want an accepting queue with a printer-state", st)
	}

	r := sampleReceipt(2, 3)
	pdf, err := RenderPDFBytes(r, Options{CreationDate: fixedCreation})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Print(ctx, Job{DossierCode: r.DossierCode, PDF: pdf}); err != nil {
		t.Fatalf("Print: %v", err)
	}

	// Wait for the job to come out: the file exists and pdftotext reads it whole.
	var text string
	deadline := time.Now().Add(30 * time.Second)
	for {
		if fi, err := os.Stat(outFile); err == nil && fi.Size() > 0 {
			out, err := exec.Command(pdftotext, "-enc", "UTF-8", outFile, "-").Output()
			if err == nil && strings.Contains(string(out), r.DossierCode) {
				text = string(out)
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no printed output in %s after 30 s", outFile)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{
		r.DossierCode,
		"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
		"Nguyễn Thị Hoà",
		"Đăng ký thường trú",
		"Cộng hòa xã hội chủ nghĩa Việt Nam",
	} {
		if !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
			t.Errorf("printed text lacks %q:\n%s", want, text)
		}
	}

	// A queue that does not exist: the clerk is told to check the printer name.
	missing, err := NewIPPPrinter("ipp://"+s.addr+"/printers/khong-co", IPPOptions{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = missing.Print(ctx, Job{DossierCode: r.DossierCode, PDF: pdf})
	var perr *Error
	if !errors.As(err, &perr) || !strings.Contains(perr.Clerk, "Không tìm thấy máy in") {
		t.Fatalf("print to a missing queue: %v, want a 'Không tìm thấy máy in' error", err)
	}
}
