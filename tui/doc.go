// Package tui is the counter's Bubble Tea v2 program: one root model routes
// every message to small screen models (identify, resident, service, form,
// review, receipt); all I/O runs as tea.Cmd through the Backend interface.
package tui
