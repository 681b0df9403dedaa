package offline

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The helper-process pattern: the test binary re-executes itself with helperEnv set and
// plays a second program on the same data directory.
const (
	helperEnv     = "MOTCUA_OFFLINE_HELPER"
	helperDirEnv  = "MOTCUA_OFFLINE_HELPER_DIR"
	helperNEnv    = "MOTCUA_OFFLINE_HELPER_N"
	helperOpEnv   = "MOTCUA_OFFLINE_HELPER_OP"
	helperPassEnv = "MOTCUA_OFFLINE_HELPER_PASS"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode, os.Getenv(helperDirEnv)))
	}
	os.Exit(m.Run())
}

// runHelper prints one status line, then (for the holding modes) keeps what it holds until
// its stdin is closed.
func runHelper(mode, dir string) int {
	waitStdin := func() { _, _ = io.Copy(io.Discard, os.Stdin) }
	switch mode {
	case "counter":
		l, err := LockCounter(dir)
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		fmt.Println("ready")
		waitStdin()
		if err := l.Release(); err != nil {
			fmt.Println("error", err)
			return 1
		}
		return 0
	case "hold":
		s, err := Open(dir, Options{LockWait: 10 * time.Second})
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		err = s.Update(func(tx *Tx) error {
			fmt.Println("ready")
			waitStdin()
			return nil
		})
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		return 0
	case "codes":
		n, _ := strconv.Atoi(os.Getenv(helperNEnv))
		s, err := Open(dir, Options{LockWait: 20 * time.Second})
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		fmt.Println("ready")
		for range n {
			code, err := s.NextDossierCode("G22.99.08", 3, seqDay)
			if err != nil {
				fmt.Println("error", err)
				return 1
			}
			fmt.Println(code)
		}
		return 0
	case "unlock":
		// Unlock as an operator, then write n dossiers with their audit entries.
		n, _ := strconv.Atoi(os.Getenv(helperNEnv))
		opt := testOpt()
		s, op, err := Unlock(dir, os.Getenv(helperOpEnv), os.Getenv(helperPassEnv), opt)
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		fmt.Println("ready")
		for i := range n {
			var code string
			err := s.Update(func(tx *Tx) (err error) {
				if code, err = tx.NextDossierCode("G22.99.08", 2, seqDay); err != nil {
					return err
				}
				if err := tx.PutDossier(DossierInfo{Code: code, State: "received"}, fmt.Appendf(nil, `{"by":%q,"i":%d}`, op.ID, i)); err != nil {
					return err
				}
				return tx.LogAccess(AccessEntry{Operator: op.ID, Purpose: "submit", Action: ActionSubmit, DossierCode: code, Outcome: "ok"})
			})
			if err != nil {
				fmt.Println("error", err)
				return 1
			}
			fmt.Println(code)
		}
		return 0
	case "build-received":
		// Build the indexes by reception time in a unit of work left open until killed.
		s, err := newStore(dir, Options{LockWait: 20 * time.Second}, false)
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		fmt.Println("ready")
		err = s.run(false, false, func(tx *Tx) error {
			if err := tx.buildReceivedIndexes(); err != nil {
				return err
			}
			fmt.Println("built")
			waitStdin()
			return errors.New("not to be committed")
		})
		fmt.Println("error", err)
		return 1
	case "counts":
		// Look-ups and ward-list entries, one unit of work each, until killed (accesscount_test.go).
		return runCountsHelper(dir)
	case "login":
		// One passphrase attempt: prints how it went (delayed, bad or ok).
		fmt.Println("ready")
		_, _, err := Unlock(dir, os.Getenv(helperOpEnv), os.Getenv(helperPassEnv), testOpt())
		switch {
		case errors.Is(err, ErrLoginDelayed):
			fmt.Println("delayed")
		case errors.Is(err, ErrBadPassphrase):
			fmt.Println("bad")
		case err == nil:
			fmt.Println("ok")
		default:
			fmt.Println("error", err)
			return 1
		}
		return 0
	}
	fmt.Println("error unknown mode", mode)
	return 2
}

type helperProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

// startHelper runs the test binary in mode on dir and waits for its "ready" line.
func startHelper(t *testing.T, mode, dir string, env ...string) *helperProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{helperEnv + "=" + mode, helperDirEnv + "=" + dir}, env...)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helperProc{cmd: cmd, stdin: stdin, lines: make(chan string, 1024)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
		close(h.lines)
	}()
	t.Cleanup(func() {
		if h.cmd.ProcessState == nil {
			_ = h.cmd.Process.Kill()
			_ = h.cmd.Wait()
		}
	})
	select {
	case line := <-h.lines:
		if line != "ready" {
			t.Fatalf("helper %s: %s", mode, line)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("helper %s did not get ready", mode)
	}
	return h
}

// finish closes the helper's stdin, collects its remaining output and checks its exit.
func (h *helperProc) finish(t *testing.T) []string {
	t.Helper()
	h.stdin.Close()
	var out []string
	for line := range h.lines {
		if strings.HasPrefix(line, "error") {
			t.Errorf("helper: %s", line)
		}
		out = append(out, line)
	}
	if err := h.cmd.Wait(); err != nil {
		t.Errorf("helper exit: %v", err)
	}
	return out
}

// kill ends the helper abruptly, as a crash would.
func (h *helperProc) kill(t *testing.T) {
	t.Helper()
	if err := h.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = h.cmd.Wait()
}
