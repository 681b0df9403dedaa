package tui

import (
	"context"
	"errors"
	"os"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"motcua/internal/counter"
	"motcua/lookups/vntext"
	"motcua/lookups/vntext/vnime"
	"motcua/lookups/vntext/vnime/teainput"
	"motcua/offline"
	"motcua/tui/portrait"
)

// frame is what every component reaches: the options, the backend and the
// operator of the session, the theme, the terminal's size, the notice line
// and the command running. Components share it by pointer; only Update
// changes it.
type frame struct {
	opt    Options
	be     Backend // nil while the counter is locked
	op     Operator
	st     Styles
	loc    *time.Location
	width  int
	height int

	screen    screenID // the screen shown (routing)
	notice    string   // Vietnamese notice or error under the screen
	noticeErr bool
	busy      string // the command running ("" when none): keys wait for it
	spin      spinner.Model
	seq       int              // the citizen served: answers about a previous one are dropped
	session   int              // the operator's session (each login, each lock): its timers carry it, older ones stop
	pm        portrait.Model   // the chip's portrait on the resident panel
	typist    *teainput.Typist // the built-in Telex typing of the form's text fields (F12)
	// noTimers: tests drive the model without the timers (status polling,
	// spinner, idle lock, sync period), so every command they run returns.
	noTimers bool
}

// after is a timer: msg arrives after d (nil when timers are off).
func (f *frame) after(d time.Duration, msg tea.Msg) tea.Cmd {
	if f.noTimers {
		return nil
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

// spinTick keeps the spinner turning while a command runs.
func (f *frame) spinTick() tea.Cmd {
	if f.noTimers {
		return nil
	}
	return f.spin.Tick
}

func newFrame(opt Options) *frame {
	getenv := opt.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	style := vnime.NewStyle
	if opt.TelexOldStyle {
		style = vnime.OldStyle
	}
	typist := teainput.New(vnime.Telex, style)
	typist.SetOn(opt.Telex)
	return &frame{opt: opt, be: opt.Backend, op: opt.Operator, st: DefaultStyles(), loc: opt.Location,
		spin: spinner.New(spinner.WithSpinner(spinner.Dot)), pm: portrait.NewModel(opt.Portrait, getenv), typist: typist}
}

// say shows a notice; fail shows an error; clear removes either.
func (f *frame) say(s string)  { f.notice, f.noticeErr = s, false }
func (f *frame) fail(s string) { f.notice, f.noticeErr = s, true }
func (f *frame) clear()        { f.notice, f.noticeErr = "", false }

// explain words an error for the clerk (the gateway's own words may be in it).
func (f *frame) explain(err error) string {
	msg := counter.Explain(err)
	if f.be != nil {
		msg = f.be.Explain(err)
	}
	// a right a key file does not carry: the counter screen says how to log in
	if fe := (*counter.ForbiddenError)(nil); errors.As(err, &fe) && fe.KeyFile && f.opt.Login != nil {
		msg += " Nhấn ctrl+l để khóa màn hình rồi đăng nhập."
	}
	return show(msg)
}

// show neutralises a string the TUI did not write itself (from the gateway,
// a card, a file, the store) for the terminal (vntext.Display): every view
// applies it to such a value before styling it, and the notice line to what
// it shows.
func show(s string) string { return vntext.Display(s) }

// clock formats t in the counter's time zone.
func (f *frame) clock(t time.Time, layout string) string { return t.In(f.loc).Format(layout) }

// now is the counter's clock.
func (f *frame) now() time.Time {
	if f.be != nil {
		return f.be.Now()
	}
	return time.Now()
}

// volunteer: the operator prepares declarations only and sees sensitive
// fields (ethnicity, religion) masked.
func (f *frame) volunteer() bool { return f.op.Role == offline.RoleVolunteer }

// io runs fn as a command with a deadline while the screen shows label and
// a spinner; keys wait (in order) until its answer arrives and settle is called.
func (f *frame) io(label string, timeout time.Duration, fn func(ctx context.Context) tea.Msg) tea.Cmd {
	f.busy = label
	f.clear()
	return tea.Batch(func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		return fn(ctx)
	}, f.spinTick())
}

// settle accepts the answer of a command started for the citizen served:
// false for a late answer about a previous one.
func (f *frame) settle(seq int) bool {
	if seq != f.seq {
		return false
	}
	f.busy = ""
	return true
}
