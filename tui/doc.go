// Package tui is the counter's Bubble Tea v2 program: one root model routes
// every message to the component that owns it; each screen is a component
// with its own state, key map, update and view; all I/O runs as tea.Cmd
// through the named parts of Backend. See README.md for how to add a screen.
package tui
