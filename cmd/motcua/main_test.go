package main

import (
	"os"
	"testing"
)

// asBinary makes the test binary act as the motcua binary when re-executed by
// the end-to-end tests (the usual helper-process pattern), so those tests run
// the real program, built with the same flags (-race) as the tests.
const asBinary = "MOTCUA_TEST_AS_BINARY"

func TestMain(m *testing.M) {
	if os.Getenv(asBinary) == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
