// Package crashtest holds the crash tests of the outboxes (Go tests only): the sandbox gateway
// and `motcua dossier submit` / `motcua dossier return` / `motcua queue sync` run as separate
// processes and are killed with SIGKILL at random points; every dossier the clerk was told is
// received, and every hand-over the clerk was told is recorded, must end upstream exactly once.
// See crash_test.go and handover_test.go.
package crashtest
