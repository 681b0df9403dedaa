// Package counter is the counter's use cases, shared by the TUI and the
// scripted commands: look-ups through the cache with the access log, and
// reception (dossier code, save, submit, receipt) of a finalized declaration.
// Scripted bulk work has the same use cases for groups (group.go: LookupMany,
// FillGroup, ReceiveGroup, ReceivedKeys), each group's store writes in one
// unit of work, under the same rights.
package counter
