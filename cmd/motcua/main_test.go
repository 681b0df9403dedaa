package main

import (
	"os"
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

func TestMain(m *testing.M) {
	if os.Getenv(asBinary) == "1" {
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
	os.Exit(m.Run())
}
