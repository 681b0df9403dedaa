// Command motcua is the one-stop counter assistant: the counter TUI, the demo,
// and the scripted commands (look-up, dossiers, sandbox gateway).
package main

import (
	"os"
	_ "time/tzdata" // the counter's time zone must load on Windows PCs without a zoneinfo database
)

// version is set at build time (-ldflags -X main.version=...).
var version = "dev"

func main() {
	holdGC() // until the counter screen's first frame, or the command's start (startgc.go)
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
