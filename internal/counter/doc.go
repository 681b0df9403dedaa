// Package counter is the counter's use cases, shared by the TUI and the
// scripted commands: look-ups through the cache with the access log, and
// reception (dossier code, save, submit, receipt) of a finalized declaration.
package counter
