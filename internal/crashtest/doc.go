// Package crashtest holds the crash test of the outbox (a Go test only): the sandbox gateway
// and `motcua dossier submit` / `motcua queue sync` run as separate processes and are killed
// with SIGKILL at random points; every dossier the clerk was told is received must end upstream
// exactly once. See crash_test.go.
package crashtest
