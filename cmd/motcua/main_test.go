package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// asBinary makes the test binary act as the motcua binary when re-executed by
// the end-to-end tests (the usual helper-process pattern), so those tests run
// the real program, built with the same flags (-race) as the tests.
const asBinary = "MOTCUA_TEST_AS_BINARY"

// peakMemoryFile, when set with asBinary, names a file where the program
// writes its peak resident memory (the VmHWM line of /proc/self/status) as
// it ends (see runMeasured).
const peakMemoryFile = "MOTCUA_TEST_VMHWM_FILE"

// The batch crash tests' hooks, read by the program run as a binary: the
// rows of a group; the line of the row after which the process kills itself
// inside its group's unit of work; the group commit after which it kills
// itself (1: the first of the run).
const (
	batchGroupEnv      = "MOTCUA_TEST_BATCH_GROUP"
	batchKillInTxEnv   = "MOTCUA_TEST_BATCH_KILL_IN_TX"
	batchKillCommitEnv = "MOTCUA_TEST_BATCH_KILL_AFTER_COMMIT"
)

// killSelf ends the process as SIGKILL does: no deferred call, no flush.
func killSelf() {
	p, err := os.FindProcess(os.Getpid())
	if err == nil {
		_ = p.Kill()
	}
	select {}
}

func batchHooks() {
	if n, err := strconv.Atoi(os.Getenv(batchGroupEnv)); err == nil {
		batchGroupSize = n
	}
	if line, err := strconv.Atoi(os.Getenv(batchKillInTxEnv)); err == nil {
		batchInTx = func(l int) {
			if l == line {
				killSelf()
			}
		}
	}
	if n, err := strconv.Atoi(os.Getenv(batchKillCommitEnv)); err == nil {
		commits := 0
		batchAfterCommit = func() {
			if commits++; commits == n {
				killSelf()
			}
		}
	}
}

func TestMain(m *testing.M) {
	if os.Getenv(asBinary) == "1" {
		batchHooks()
		code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		if p := os.Getenv(peakMemoryFile); p != "" {
			if b, err := os.ReadFile("/proc/self/status"); err == nil {
				for _, line := range strings.Split(string(b), "\n") {
					if strings.HasPrefix(line, "VmHWM:") {
						if err := os.WriteFile(p, []byte(line+"\n"), 0o600); err != nil {
							os.Stderr.WriteString("peak memory file: " + err.Error() + "\n") // the parent fails and shows it
						}
					}
				}
			}
		}
		os.Exit(code)
	}
	code := m.Run()
	removeDemoTemplate()
	os.Exit(code)
}
