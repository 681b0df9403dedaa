// Package winsmoke holds the Windows smoke test (make windows-smoke): the
// Windows binary of make dist runs under Wine through the scripted path
// (forms list, sandbox serve with lookup, dossier submit, receipt reprint to
// a file, audit verify) and the counter's first screen, beside the Linux
// binary of make dist on the same inputs, and both must give the same
// results, paths and clock times aside.
//
// The test runs only when MOTCUA_WINSMOKE_DIST names the folder holding
// make dist's motcua-linux-amd64 and motcua-windows-amd64.exe (the Makefile
// target sets it); it needs Debian's wine64, gcc-mingw-w64-x86-64-win32,
// poppler-utils and tmux, skips with a message naming the missing package
// outside CI and fails under CI=true.
//
// Wine 8.0 (Debian 12) has no bcryptprimitives.dll, whose ProcessPrng Go's
// Windows runtime calls at start: the test builds a test-only DLL from
// testdata/bcryptprimitives (ProcessPrng over advapi32's SystemFunction036)
// with mingw-w64 and puts it into its own Wine prefix under a temporary
// folder, never the user's. See docs/WINDOWS.md.
package winsmoke
