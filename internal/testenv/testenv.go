// Package testenv holds helpers for tests that need a real component
// (tmux, pdftotext, pcscd, cupsd): outside CI a missing component skips the
// test with a clear message; under CI=true it fails the test.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// NeedTool returns the path of a command the test needs, or skips the test
// (fails it under CI) naming the Debian package that provides it.
func NeedTool(tb testing.TB, name, debPackage string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := name + " not found: install the Debian package " + debPackage + " (make deps does)"
	if InCI() {
		tb.Fatalf("%s; under CI=true a missing component is a failure", msg)
	}
	tb.Skip(msg)
	return ""
}

// Soak reports whether the long variants of the heavy tests were asked for (make soak).
func Soak() bool { return os.Getenv("MOTCUA_SOAK") != "" }
