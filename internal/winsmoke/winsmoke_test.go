package winsmoke

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"motcua/internal/testenv"
)

// DistEnv names the folder of make dist's binaries; the test runs only when it is set.
const DistEnv = "MOTCUA_WINSMOKE_DIST"

const (
	operatorID   = "cb01"
	operatorName = "Cán bộ Một"
	passphrase   = "thu-nghiem-windows-01"
	subjectID    = "066303000006" // Phạm Thu Ngân, a featured synthetic person (never married)
	timezone     = "Asia/Ho_Chi_Minh"
	cutoffHour   = 15 // the default limits.cutoff_hour: dossiers received later count from the next day

	// waitLimit only guards against a hang: a command under Wine normally
	// answers within a few seconds, even on a busy machine.
	waitLimit = 90 * time.Second
)

// configFile is the counter's configuration as a Windows tool saves it (UTF-8
// with a byte order mark, CRLF line ends); both binaries read the same bytes
// but for the gateway's port.
func configFile(gatewayURL string) []byte {
	text := fmt.Sprintf(`counter = 1
timezone = %q

[agency]
code = "G01.00004"
parent = "UBND PHƯỜNG THỬ NGHIỆM"
name = "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
address = "Số 1 phố Thử Nghiệm"
place = "Phường Thử Nghiệm"
result_place = "Bộ phận Tiếp nhận và Trả kết quả, UBND phường Thử Nghiệm"

[gateway]
url = %q
`, timezone, gatewayURL)
	return append([]byte("\uFEFF"), strings.ReplaceAll(text, "\n", "\r\n")...)
}

// declarationFile is the declaration for dossier submit as PowerShell 5
// writes it (ConvertTo-Json | Out-File): UTF-16LE with a byte order mark, CRLF.
func declarationFile() []byte {
	text := strings.ReplaceAll(`{
  "service": "xac-nhan-tthn",
  "persons": { "subject": { "id": "`+subjectID+`" } },
  "values": { "purpose": "other", "purpose_other": "Bổ sung hồ sơ vay vốn" }
}
`, "\n", "\r\n")
	var b []byte
	for _, u := range utf16.Encode([]rune("\uFEFF" + text)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// platform runs one of the two binaries and says how it names things.
type platform struct {
	name    string
	argv    []string // the command before motcua's arguments
	env     []string
	work    string              // the working folder on this machine
	show    func(string) string // a path on this machine as the program names it
	dataDir string              // the data directory as the program names it
	dataDirHost,
	configHost string // the data directory and the configuration file on this machine
	configShown string // the configuration file as the program names it
	port        int
	stderr      func(string) string // strips what is not the program's from its stderr
}

type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

func (p *platform) command(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(p.argv[0], append(p.argv[1:], args...)...)
	cmd.Env = append(append([]string(nil), p.env...), env...)
	cmd.Dir = p.work
	return cmd
}

// run runs motcua with args (and extra environment) and waits for it.
func (p *platform) run(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := p.command(env, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: start motcua %v: %v", p.name, args, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(waitLimit):
		_ = cmd.Process.Kill() // it may end meanwhile; the test fails below either way
		<-done                 //nolint:errcheck // the killed run's exit error says nothing
		t.Fatalf("%s: motcua %v still running after %v\nstdout:\n%s\nstderr:\n%s", p.name, args, waitLimit, o.String(), e.String())
	}
	r := result{stdout: o.String(), stderr: p.stderr(e.String()), took: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: motcua %v: %v", p.name, args, err)
	}
	return r
}

// cleanEnv is this process's environment without what would reach into the
// user's files or change the program's behaviour.
func cleanEnv(drop ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "MOTCUA_") || strings.HasPrefix(name, "XDG_") || strings.HasPrefix(name, "WINE") {
			continue
		}
		skip := false
		for _, d := range append([]string{"HOME", "DISPLAY", "WAYLAND_DISPLAY"}, drop...) {
			skip = skip || name == d
		}
		if !skip {
			env = append(env, kv)
		}
	}
	return env
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

func mkdir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	mkdir(t, filepath.Dir(path))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// wine is the private Wine installation of one test: its own prefix under
// the test's temporary folder, with its own home.
type wine struct {
	t                 *testing.T
	wine64, server    string
	prefix, home      string
	env               []string
	localApp, roaming string // %LocalAppData% and %AppData%
}

// hostPath turns a Windows path of the prefix (C:\ or Z:\) into a path on this machine.
func (w *wine) hostPath(p string) string {
	switch {
	case len(p) >= 3 && strings.EqualFold(p[:3], `C:\`):
		return filepath.Join(w.prefix, "drive_c", filepath.FromSlash(strings.ReplaceAll(p[3:], `\`, "/")))
	case len(p) >= 3 && strings.EqualFold(p[:3], `Z:\`):
		return "/" + strings.ReplaceAll(p[3:], `\`, "/")
	}
	w.t.Fatalf("no host path for %q", p)
	return ""
}

// windowsPath is how a Windows program sees a path of this machine (Wine maps Z: to /).
func windowsPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

// wineNoise matches the lines Wine itself writes on stderr.
var wineNoise = regexp.MustCompile(`(?m)^(wine: .*|[0-9a-f]{4}:(fixme|err|warn|trace):.*)\n?`)

func (w *wine) cmd(args ...string) *exec.Cmd {
	cmd := exec.Command(w.wine64, args...)
	cmd.Env = w.env
	return cmd
}

// echo prints a Windows environment variable as cmd.exe sees it.
func (w *wine) echo(name string) string {
	w.t.Helper()
	out, err := w.cmd("cmd", "/c", "echo", "%"+name+"%").Output()
	v := strings.TrimSpace(string(out))
	if err != nil || v == "" || strings.Contains(v, "%") {
		w.t.Fatalf("wine cmd /c echo %%%s%%: %q, %v", name, out, err)
	}
	return v
}

// setUpWine builds the ProcessPrng shim, makes a fresh prefix and installs the
// shim into it unless Wine brings its own bcryptprimitives.dll.
func setUpWine(t *testing.T, root string) *wine {
	w := &wine{t: t,
		wine64: testenv.NeedOneOf(t, "wine64", "wine64", "/usr/lib/wine/wine64"),
		server: testenv.NeedOneOf(t, "wine64", "wineserver", "/usr/lib/wine/wineserver"),
		prefix: filepath.Join(root, "wineprefix"), home: mkdir(t, filepath.Join(root, "home-windows"))}
	gcc := testenv.NeedTool(t, "x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64-win32")
	w.env = append(cleanEnv("TERM"),
		"HOME="+w.home,
		"WINEPREFIX="+w.prefix,
		"WINEDEBUG=-all",
		// no Mono or Gecko installer, no menu entries or file associations in the home
		"WINEDLLOVERRIDES=mscoree,mshtml=;winemenubuilder.exe=d")

	start := time.Now()
	dll := filepath.Join(root, "bcryptprimitives.dll")
	src := filepath.Join("testdata", "bcryptprimitives")
	if out, err := exec.Command(gcc, "-O2", "-shared", "-nostdlib", "-o", dll,
		filepath.Join(src, "bcryptprimitives.c"), filepath.Join(src, "bcryptprimitives.def"), "-ladvapi32").CombinedOutput(); err != nil {
		t.Fatalf("build bcryptprimitives.dll: %v\n%s", err, out)
	}
	t.Logf("bcryptprimitives.dll built with mingw-w64 in %v", time.Since(start).Round(time.Millisecond))

	// Every Wine process of the prefix ends with the test, whatever happens.
	t.Cleanup(func() {
		k := exec.Command(w.server, "-k")
		k.Env = w.env
		_ = k.Run() // clean-up: no wineserver left is fine
		wt := exec.Command(w.server, "-w")
		wt.Env = w.env
		_ = wt.Run()
	})
	start = time.Now()
	if out, err := w.cmd("wineboot", "--init").CombinedOutput(); err != nil {
		t.Fatalf("wineboot --init: %v\n%s", err, out)
	}
	wt := exec.Command(w.server, "-w")
	wt.Env = w.env
	if err := wt.Run(); err != nil {
		t.Fatalf("wineserver -w: %v", err)
	}
	t.Logf("cold Wine prefix made in %v", time.Since(start).Round(time.Millisecond))

	sys32 := filepath.Join(w.prefix, "drive_c", "windows", "system32")
	if _, err := os.Stat(filepath.Join(sys32, "bcryptprimitives.dll")); err == nil {
		t.Logf("this Wine has its own bcryptprimitives.dll: the shim is not installed")
	} else {
		b, err := os.ReadFile(dll)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(sys32, "bcryptprimitives.dll"), b)
	}
	w.localApp, w.roaming = w.echo("LOCALAPPDATA"), w.echo("APPDATA")
	return w
}

// smoke holds the two platforms and the comparison state.
type smoke struct {
	t        *testing.T
	lin, win *platform
	loc      *time.Location
	// straddled: the runs compared so far crossed midnight or the cutoff
	// hour in the counter's time zone, so dates may rightly differ.
	straddled bool
}

// both runs a step on Linux, then at once on Windows (inputs named per
// platform by args), and fails unless the results match.
func (s *smoke) both(env []string, args func(p *platform) []string) (lin, win result) {
	s.t.Helper()
	start := time.Now()
	lin = s.lin.run(s.t, env, args(s.lin)...)
	win = s.win.run(s.t, env, args(s.win)...)
	s.note(start, time.Now())
	step := strings.ReplaceAll(strings.Join(args(s.lin), " "), s.lin.work, "<work>")
	if step == "" {
		step = "(the counter)"
	}
	s.t.Logf("%-58s linux %5v  windows %5v", step, lin.took.Round(time.Millisecond), win.took.Round(time.Millisecond))
	if lin.code != win.code {
		s.t.Fatalf("%s: exit %d on Linux, %d on Windows\nlinux:\n%s\nwindows:\n%s", step, lin.code, win.code, lin, win)
	}
	s.same(step+" (stdout)", s.norm(lin.stdout, s.lin), s.norm(win.stdout, s.win))
	s.same(step+" (stderr)", s.norm(lin.stderr, s.lin), s.norm(win.stderr, s.win))
	return lin, win
}

// note records the span of a step: a step that crosses a day or the cutoff
// hour may give different dates on the two platforms, and so may later ones.
func (s *smoke) note(from, to time.Time) {
	a, b := from.In(s.loc), to.In(s.loc)
	if a.YearDay() != b.YearDay() || (a.Hour() < cutoffHour && b.Hour() >= cutoffHour) {
		s.straddled = true
	}
}

func (s *smoke) same(what, lin, win string) {
	s.t.Helper()
	if lin != win {
		s.t.Errorf("%s differs between Linux and Windows\n%s", what, lineDiff(lin, win))
	}
}

var (
	rfc3339   = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`)
	clock     = regexp.MustCompile(`\b\d{1,2}:\d{2}(:\d{2})?\b`)
	clockVN   = regexp.MustCompile(`\b\d{1,2} giờ \d{1,2} phút`)
	dateVN    = regexp.MustCompile(`ngày \d{1,2} tháng \d{1,2} năm \d{4}`)
	dmy       = regexp.MustCompile(`\b\d{2}/\d{2}/\d{4}\b`)
	ymd       = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
	codeDate  = regexp.MustCompile(`(\d{5})-\d{6}-(\d{6})`)
	pathToken = regexp.MustCompile(`<(CONFIG|DATA|WORK)>[^\s"]*`)
	loopback  = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	processID = regexp.MustCompile(`tiến trình \d+`)
)

// norm takes out of a program's output what rightly differs between the two
// runs: the platform's paths (with their separators), the port and process IDs, clock
// times, and dates once a run crossed a day or the cutoff hour.
func (s *smoke) norm(out string, p *platform) string {
	for _, r := range []struct{ from, to string }{
		{p.configShown, "<CONFIG>"}, {p.dataDir, "<DATA>"}, {p.show(p.work), "<WORK>"},
	} {
		out = strings.ReplaceAll(out, r.from, r.to)
		quoted, _ := json.Marshal(r.from) // the same path inside JSON output
		out = strings.ReplaceAll(out, strings.Trim(string(quoted), `"`), r.to)
	}
	out = pathToken.ReplaceAllStringFunc(out, func(tok string) string {
		return strings.ReplaceAll(strings.ReplaceAll(tok, `\\`, "/"), `\`, "/")
	})
	out = loopback.ReplaceAllString(out, "127.0.0.1:<port>")
	out = processID.ReplaceAllString(out, "tiến trình <pid>")
	out = rfc3339.ReplaceAllString(out, "<timestamp>")
	out = clock.ReplaceAllString(out, "hh:mm")
	out = clockVN.ReplaceAllString(out, "hh giờ mm phút")
	if s.straddled {
		out = dmy.ReplaceAllString(out, "dd/mm/yyyy")
		out = dateVN.ReplaceAllString(out, "ngày dd tháng mm năm yyyy")
		out = ymd.ReplaceAllString(out, "yyyy-mm-dd")
		out = codeDate.ReplaceAllString(out, "$1-yymmdd-$2")
	}
	return out
}

// lineDiff shows the lines that differ.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	for i := range max(len(al), len(bl)) {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			fmt.Fprintf(&out, "line %d\n  linux:   %q\n  windows: %q\n", i+1, x, y)
		}
	}
	return out.String()
}

// TestWindowsSmoke runs the scripted path and the counter's first screen
// with the Windows binary under Wine and with the Linux binary, on the same
// inputs, and compares what they print, write and send.
func TestWindowsSmoke(t *testing.T) {
	dist := os.Getenv(DistEnv)
	if dist == "" {
		t.Skip("the Windows smoke test runs with make windows-smoke (" + DistEnv + " names the folder of make dist's binaries)")
	}
	began := time.Now()
	linBin, winBin := filepath.Join(dist, "motcua-linux-amd64"), filepath.Join(dist, "motcua-windows-amd64.exe")
	for _, b := range []string{linBin, winBin} {
		if _, err := os.Stat(b); err != nil {
			t.Fatalf("%v: run make dist first (make windows-smoke does)", err)
		}
	}
	pdftotext := testenv.NeedTool(t, "pdftotext", "poppler-utils")
	root := t.TempDir()
	w := setUpWine(t, root)
	loc, err := time.LoadLocation(timezone)
	if err != nil {
		t.Fatal(err)
	}

	linHome := mkdir(t, filepath.Join(root, "home-linux"))
	lin := &platform{name: "linux", argv: []string{linBin},
		env: append(cleanEnv(), "HOME="+linHome,
			"XDG_CONFIG_HOME="+filepath.Join(linHome, ".config"), "XDG_DATA_HOME="+filepath.Join(linHome, ".local", "share")),
		work: mkdir(t, filepath.Join(root, "work-linux")), show: func(p string) string { return p },
		dataDir:    filepath.Join(linHome, ".local", "share", "motcua"),
		configHost: filepath.Join(linHome, ".config", "motcua", "config.toml"),
		port:       freePort(t), stderr: func(s string) string { return s }}
	lin.dataDirHost, lin.configShown = lin.dataDir, lin.configHost
	win := &platform{name: "windows", argv: []string{w.wine64, winBin}, env: w.env,
		work: mkdir(t, filepath.Join(root, "work-windows")), show: windowsPath,
		// the data directory must be %LocalAppData%\motcua, the configuration %AppData%\motcua\config.toml
		dataDir:    w.localApp + `\motcua`,
		configHost: w.hostPath(w.roaming + `\motcua\config.toml`),
		port:       freePort(t),
		stderr: func(s string) string {
			if noise := wineNoise.FindAllString(s, -1); len(noise) > 0 {
				t.Logf("Wine's own lines on stderr (not compared): %q", noise)
			}
			return wineNoise.ReplaceAllString(s, "")
		}}
	win.dataDirHost, win.configShown = w.hostPath(win.dataDir), w.roaming+`\motcua\config.toml`
	s := &smoke{t: t, lin: lin, win: win, loc: loc}
	login := []string{"MOTCUA_OPERATOR=" + operatorID, "MOTCUA_PASSPHRASE=" + passphrase}

	// 1. The catalog: the binary starts (the ProcessPrng shim works) and prints the same table.
	s.both(nil, argsOf("forms", "list"))

	// 2. Where files live: %AppData% and %LocalAppData% on Windows.
	for _, p := range []*platform{lin, win} {
		r := p.run(t, nil, "config", "path")
		for _, line := range []string{"config: " + p.configShown, "data:   " + p.dataDir} {
			if r.code != 0 || !strings.Contains(r.stdout, line+"\n") {
				t.Errorf("%s: config path does not say %q:\n%s", p.name, line, r)
			}
		}
	}

	// 3. The same configuration file (Windows-style: BOM, CRLF) but for the gateway's port.
	for _, p := range []*platform{lin, win} {
		writeFile(t, p.configHost, configFile(fmt.Sprintf("http://127.0.0.1:%d", p.port)))
		writeFile(t, filepath.Join(p.work, "to-khai.json"), declarationFile())
	}

	// 4. The encrypted store with its first supervisor, in the default data directory.
	s.both([]string{"MOTCUA_NEW_PASSPHRASE=" + passphrase}, argsOf("operator", "init", operatorID, "--name", operatorName))
	for _, p := range []*platform{lin, win} {
		if _, err := os.Stat(filepath.Join(p.dataDirHost, "motcua.db")); err != nil {
			t.Fatalf("%s: the store is not in the default data directory: %v", p.name, err)
		}
	}

	// 5. Each binary serves the sandbox gateway as its own process.
	for _, p := range []*platform{lin, win} {
		startSandbox(t, p)
	}

	// 6. Look-ups through each binary's sandbox: the clerk's text and the JSON.
	s.both(login, argsOf("lookup", "--purpose", "check", subjectID))
	s.both(login, argsOf("lookup", "--purpose", "check", "--json", subjectID))

	// 7. A declaration received from a file (UTF-16 with BOM, as PowerShell writes it).
	linSub, winSub := s.both(login, func(p *platform) []string {
		return []string{"dossier", "submit", p.show(filepath.Join(p.work, "to-khai.json"))}
	})
	codes := map[*platform]string{lin: strings.TrimSpace(linSub.stdout), win: strings.TrimSpace(winSub.stdout)}
	for p, code := range codes {
		if !codeDate.MatchString(code) {
			t.Fatalf("%s: dossier submit gave no dossier code:\n%s", p.name, map[*platform]result{lin: linSub, win: winSub}[p])
		}
	}
	codeOf := func(p *platform) string { return codes[p] }
	s.both(login, func(p *platform) []string { return []string{"dossier", "show", codeOf(p)} })

	// 8. The receipt printed again to a file, and its text.
	s.both(login, func(p *platform) []string {
		return []string{"receipt", "reprint", codeOf(p), "--out", p.show(filepath.Join(p.work, "bien-nhan.pdf"))}
	})
	var texts [2]string
	for i, p := range []*platform{lin, win} {
		pdf := filepath.Join(p.work, "bien-nhan.pdf")
		b, err := os.ReadFile(pdf)
		if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Fatalf("%s: the reprinted receipt is not a PDF file: %v", p.name, err)
		}
		kept, err := os.ReadFile(filepath.Join(p.dataDirHost, "receipts", codeOf(p)+".pdf"))
		if err != nil || !bytes.Equal(kept, b) {
			t.Errorf("%s: the reprint differs from the receipt printed at reception (%v)", p.name, err)
		}
		txt, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext %s: %v", pdf, err)
		}
		texts[i] = s.norm(string(txt), p)
	}
	if !strings.Contains(texts[1], "Phạm Thu Ngân") || !strings.Contains(texts[1], "UBND PHƯỜNG THỬ NGHIỆM") {
		t.Errorf("the Windows receipt does not name the citizen and the agency:\n%s", texts[1])
	}
	s.same("receipt text", texts[0], texts[1])

	// 9. The access log's chain.
	verified, _ := s.both(login, argsOf("audit", "verify"))
	if verified.code != 0 {
		t.Errorf("audit verify:\n%s", verified)
	}

	// 10. What each sandbox received: the same dossier.
	var sent [2]string
	for i, p := range []*platform{lin, win} {
		sent[i] = s.norm(receivedBySandbox(t, p), p)
	}
	s.same("dossier received by the sandbox", sent[0], sent[1])

	// 11. The counter's first screen on a terminal, a login and Ctrl+C.
	t.Run("counter screen", func(t *testing.T) { counterScreen(t, s, root) })

	t.Logf("Windows smoke: %v in all (cold Wine prefix included)", time.Since(began).Round(time.Second))
}

// argsOf gives both platforms the same arguments.
func argsOf(a ...string) func(*platform) []string { return func(*platform) []string { return a } }

// startSandbox starts p's `sandbox serve` and waits until it answers.
func startSandbox(t *testing.T, p *platform) {
	t.Helper()
	logPath := filepath.Join(p.work, "sandbox.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cmd := p.command(nil, "sandbox", "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", p.port),
		"--store", p.show(filepath.Join(p.work, "sandbox.jsonl")))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: start the sandbox: %v", p.name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // clean-up: the sandbox may have exited already
		_ = cmd.Wait()         // its exit status after the kill says nothing
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s sandbox output:\n%s", p.name, b)
		}
	})
	url := fmt.Sprintf("http://127.0.0.1:%d/_sandbox/faults", p.port)
	c := &http.Client{Timeout: 5 * time.Second}
	for {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(start) > waitLimit {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("%s: the sandbox never answered on %s: %v\n%s", p.name, url, err, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%-58s %s ready in %v", "sandbox serve", p.name, time.Since(start).Round(time.Millisecond))
	b, _ := os.ReadFile(logPath)
	if want := fmt.Sprintf("Cổng giả lập: http://127.0.0.1:%d (100000 công dân tổng hợp", p.port); !strings.Contains(string(b), want) {
		t.Errorf("%s: the sandbox did not announce itself with %q:\n%s", p.name, want, b)
	}
}

var idemKey = regexp.MustCompile(`"idempotencyKey": "[^"]*"`)

// receivedBySandbox is the one dossier p's sandbox stored, without what is
// random per run (the idempotency keys, and the hash over the times).
func receivedBySandbox(t *testing.T, p *platform) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(p.work, "sandbox.jsonl"))
	if err != nil {
		t.Fatalf("%s: the sandbox's store: %v", p.name, err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 1 {
		t.Fatalf("%s: the sandbox stored %d dossiers, want 1", p.name, len(lines))
	}
	var rec map[string]json.RawMessage
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("%s: the sandbox's store: %v", p.name, err)
	}
	delete(rec, "hash")
	out, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return idemKey.ReplaceAllString(string(out), `"idempotencyKey": "<key>"`)
}
