package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// screenID names a screen; the root model routes keys to the current one.
type screenID int

const (
	scrLogin screenID = iota
	scrIdentify
	scrCards
	scrResident
	scrServices
	scrForm
	scrReview
	scrReceipt
	scrDrafts
	scrHistory
	scrSupplement // the reception's outcomes (outcome.go)
	scrRefuse
	scrSlip
	scrResults // the results desk (results.go)
	scrLate    // the supervisor's late watch
	scrBook    // the dossier book (Mẫu 07)
	scrReports // the leadership's reports (reports.go)
	scrCopies  // copy certification desk (copies.go)
)

// screen is a component: its own state, key map, update and view. The root
// model hands it the keys and pastes while it is shown; it draws the body
// between the status bar and the hint line.
type screen interface {
	// update handles a key or a paste; the command (if any) does the I/O.
	update(msg tea.Msg) tea.Cmd
	// view draws the body in width x height cells.
	view(width, height int) string
	// help lists the screen's keys, those that finish the screen first.
	help() []key.Binding
}

// shown is called when a screen becomes the current one (focus, refresh).
type shown interface{ onShow() tea.Cmd }
