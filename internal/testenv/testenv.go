// Package testenv holds helpers for tests that need a real component
// (tmux, pdftotext, pcscd, cupsd, wine): outside CI a missing component skips the
// test with a clear message; under CI=true it fails the test.
package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// NeedTool returns the path of a command the test needs, or skips the test
// (fails it under CI) naming the Debian package that provides it.
func NeedTool(tb testing.TB, name, debPackage string) string {
	tb.Helper()
	return NeedOneOf(tb, debPackage, name)
}

// NeedOneOf is NeedTool for a command that lives in different places on
// different systems (Debian's wine64 package puts wine64 in /usr/lib/wine,
// outside PATH): it returns the first of names found, each looked up in PATH
// or, when it holds a slash, taken as a path.
func NeedOneOf(tb testing.TB, debPackage string, names ...string) string {
	tb.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := strings.Join(names, " or ") + " not found: install the Debian package " + debPackage + " (the Makefile's deps step does)"
	if InCI() {
		tb.Fatalf("%s; under CI=true a missing component is a failure", msg)
	}
	tb.Skip(msg)
	return ""
}

// Soak reports whether the long variants of the heavy tests were asked for (make soak).
func Soak() bool { return os.Getenv("MOTCUA_SOAK") != "" }

// NoExitSleep is env (NAME=value entries, for exec.Cmd.Env) with atexit_sleep_ms=0 added to
// GORACE: a program built with the race detector sleeps a second before it exits (GORACE's
// default), a second for each of the many runs of the program some tests wait for. The runs
// are still checked for races all their life. A GORACE of env's keeps its options, and its
// atexit_sleep_ms if it sets one.
func NoExitSleep(env []string) []string {
	out := make([]string, 0, len(env)+1)
	opts := "atexit_sleep_ms=0"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GORACE="); ok {
			if strings.Contains(v, "atexit_sleep_ms=") {
				opts = v
			} else {
				opts = strings.TrimSpace(v + " " + opts)
			}
			continue
		}
		out = append(out, kv)
	}
	return append(out, "GORACE="+opts)
}
