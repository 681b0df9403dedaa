// Package crashtest holds the crash tests (Go tests only), processes killed with SIGKILL at
// random points. The outbox's (crash_test.go): the sandbox gateway and `motcua dossier submit`
// / `motcua queue sync` run as separate processes; every dossier the clerk was told is
// received must end upstream exactly once. The hand-overs' (handover_test.go): `motcua dossier
// return` and `motcua queue sync` killed; every hand-over the clerk was told was recorded ends
// upstream exactly once. The certification register's (certreg_test.go): `motcua certify
// copies` processes take register numbers; the register keeps 1..N without a gap or a number
// twice, every number reported is in it with its own entry.
package crashtest
