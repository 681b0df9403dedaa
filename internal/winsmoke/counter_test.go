package winsmoke

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"motcua/internal/testenv"
)

// terminal is one program on a private tmux server.
type terminal struct {
	t            *testing.T
	tmux, socket string
}

func (s *terminal) run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command(s.tmux, append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *terminal) screen() string { return s.run("capture-pane", "-p", "-t", "main") }

// waitFor polls the screen until ok accepts it.
func (s *terminal) waitFor(what string, ok func(string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		scr := s.screen()
		if ok(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %s; last screen:\n%s", what, scr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func contains(parts ...string) func(string) bool {
	return func(scr string) bool {
		for _, p := range parts {
			if !strings.Contains(scr, p) {
				return false
			}
		}
		return true
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// startCounter runs p's counter (motcua without a command) in a 120x40
// terminal. The Windows binary runs without TERM, as on a Windows PC.
func startCounter(t *testing.T, p *platform, tmux, root string) *terminal {
	t.Helper()
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	for _, kv := range p.env {
		name, value, _ := strings.Cut(kv, "=")
		if name == "TERM" || strings.ContainsAny(name, " ;'\"$") {
			continue
		}
		fmt.Fprintf(&b, "export %s=%s\n", name, shellQuote(value))
	}
	if p.name == "windows" {
		b.WriteString("unset TERM\n")
	}
	// Wine leaves the terminal's ISIG on: Ctrl+C is a SIGINT to the whole
	// foreground group, which must not end this script before it reports.
	b.WriteString("trap : INT\n")
	fmt.Fprintf(&b, "cd %s\n", shellQuote(p.work))
	var argv []string
	for _, a := range p.argv {
		argv = append(argv, shellQuote(a))
	}
	fmt.Fprintf(&b, "%s 2>%s\n", strings.Join(argv, " "), shellQuote(filepath.Join(p.work, "counter.stderr")))
	b.WriteString("echo \"MOTCUA-EXITED $?\"\nsleep 300\n")
	script := filepath.Join(root, "counter-"+p.name+".sh")
	writeFile(t, script, []byte(b.String()))
	s := &terminal{t: t, tmux: tmux, socket: fmt.Sprintf("motcua-winsmoke-%d-%s", os.Getpid(), p.name)}
	s.run("new-session", "-d", "-s", "main", "-x", "120", "-y", "40", "sh "+shellQuote(script))
	t.Cleanup(func() { _ = exec.Command(tmux, "-L", s.socket, "kill-server").Run() }) // clean-up: the server may be gone
	return s
}

// readerState is the card reader's state on the status line: it is the
// machine's, not the program's (Wine's WinSCard has no readers; on Linux a
// pcscd may be running).
var readerState = regexp.MustCompile(`Đầu đọc: [^│]*`)

// compact is a screen's text without its spaces and line breaks, and without
// the reader's state: Wine's console wraps the first frame's top line early
// (it counts the escape sequences it passes through as printed characters),
// so only the text and its order are compared.
func compact(scr string) string {
	return strings.Join(strings.Fields(readerState.ReplaceAllString(scr, "Đầu đọc: …")), "")
}

// counterScreen runs the counter of both binaries in tmux, compares the
// Windows binary's first screen (the login) with the Linux one, logs in on
// Windows, and closes both with Ctrl+C.
func counterScreen(t *testing.T, s *smoke, root string) {
	tmux := testenv.NeedTool(t, "tmux", "tmux")
	start := time.Now()
	lin := startCounter(t, s.lin, tmux, root)
	win := startCounter(t, s.win, tmux, root)
	login := contains("Đăng nhập", "Mã cán bộ:", "Mật khẩu:", "F1 trợ giúp", "UBND PHƯỜNG THỬ NGHIỆM")
	lin.waitFor("the Linux login screen", login)
	var linScreen, winScreen string
	for deadline := time.Now().Add(waitLimit); ; time.Sleep(100 * time.Millisecond) {
		linScreen, winScreen = lin.screen(), win.screen()
		if compact(winScreen) == compact(linScreen) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Windows counter's first screen never showed the Linux one's text\nlinux:\n%s\nwindows:\n%s", linScreen, winScreen)
		}
	}
	t.Logf("first screen of the Windows binary under Wine, %v after start:\n%s", time.Since(start).Round(time.Millisecond), strings.TrimRight(winScreen, "\n"))

	// A login: the Windows console's keyboard input reaches the program.
	win.run("send-keys", "-t", "main", "-l", operatorID)
	win.run("send-keys", "-t", "main", "Tab")
	win.run("send-keys", "-t", "main", "-l", passphrase)
	win.run("send-keys", "-t", "main", "Enter")
	scr := win.waitFor("the greeting after the login", contains("Xin chào "+operatorName, "Bước 1 — Xác định công dân"))
	t.Logf("after the login on Windows (Wine's console leaves stale lines from the first frame):\n%s", strings.TrimRight(scr, "\n"))

	// While the counters hold their data directories, other commands work
	// (the store is opened per unit of work; LockFileEx on Windows) and a
	// second counter is refused, naming the first.
	parent := s.t
	s.t = t
	defer func() { s.t = parent }()
	s.both([]string{"MOTCUA_OPERATOR=" + operatorID, "MOTCUA_PASSPHRASE=" + passphrase}, argsOf("dossier", "list"))
	second, _ := s.both(nil, argsOf())
	if second.code != 1 || !strings.Contains(second.stderr, "đang mở motcua ở một cửa sổ khác") {
		t.Errorf("a second counter on the same data directory was not refused:\n%s", second)
	}

	// Ctrl+C closes the counter cleanly on both.
	for _, c := range []struct {
		p    *platform
		term *terminal
	}{{s.lin, lin}, {s.win, win}} {
		c.term.run("send-keys", "-t", "main", "C-c")
		scr := c.term.waitFor("the counter's exit", contains("MOTCUA-EXITED"))
		b, _ := os.ReadFile(filepath.Join(c.p.work, "counter.stderr"))
		if stderr := c.p.stderr(string(b)); !strings.Contains(scr, "MOTCUA-EXITED 0") || stderr != "" {
			t.Errorf("%s: Ctrl+C did not close the counter cleanly; stderr %q\n%s", c.p.name, stderr, scr)
		}
	}
	if _, err := os.Stat(filepath.Join(s.win.dataDirHost, "motcua.log")); err != nil {
		t.Errorf("the Windows counter's log is not in %%LocalAppData%%\\motcua: %v", err)
	}
}
