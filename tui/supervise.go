package tui

import (
	"time"

	"motcua/internal/counter"
)

// The answers of the supervisor's screens (late watch, dossier book).

type lateMsg struct {
	seq        int
	list       []counter.LateItem
	err        error
	keepNotice bool // the list again after an apology: its notice stays
}

type appointmentMsg struct {
	seq   int
	code  string
	extra int
	when  time.Time
	err   error
}

type apologyMsg struct {
	seq             int
	code            string
	when            time.Time
	duplicate, sent bool
	path            string // where the printer put Mẫu 04
	printErr        error
	err             error // the apology was not recorded
}

type bookMsg struct {
	seq int
	res *counter.BookResult
	err error
}

type exportedMsg struct {
	seq  int
	path string
	rows int
	err  error
}
