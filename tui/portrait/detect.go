package portrait

import (
	"runtime"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// Terminal is what the program knows of the terminal's graphics: first from
// the environment, then from the terminal's answers to [Terminal.Queries],
// which arrive as Bubble Tea messages (see [Terminal.Observe]). Nothing
// waits for them: until they come, the portrait is shown as half blocks (or
// in the mode the environment made certain).
type Terminal struct {
	Mode Mode     // the mode in use now (never Auto)
	Cell CellSize // cell size in pixels; zero while unknown
	Tmux bool     // inside tmux

	forced  bool // set by the configuration: answers do not change Mode
	silent  bool // nothing is asked: a Windows console that may not answer (see Detect)
	sixel   bool // the terminal listed sixel (4) in its primary device attributes
	named   Mode // what the terminal's name (XTVERSION) says it can do, Auto if nothing
	settled bool // the primary device attributes have arrived: every answer is in
}

// Detect starts from the configured mode and the environment (getenv is
// os.Getenv, or the environment of an SSH session). want other than Auto is
// obeyed as it is, except that iTerm2 and sixel images cannot be placed
// through tmux and fall back to half blocks there.
func Detect(want Mode, getenv func(string) string) Terminal {
	t := Terminal{Tmux: getenv("TMUX") != "", named: Auto}
	if want != Auto {
		t.forced = true
		t.Mode = want
		if t.Tmux && (want == ITerm2 || want == Sixel) {
			t.Mode = Blocks
		}
		return t
	}
	t.named = envMode(getenv)
	// A Windows console other than Windows Terminal (WT_SESSION) or a terminal named
	// by the environment is the console host, which has no pictures but half blocks:
	// it is not asked, for a console that passes the queries to another terminal
	// (Wine's, seen in internal/winsmoke) may echo the answers onto the screen.
	if goos == "windows" && t.named == Auto && getenv("WT_SESSION") == "" {
		t.silent = true
	}
	t.decide()
	return t
}

// goos is runtime.GOOS; the tests play Windows with it.
var goos = runtime.GOOS

// envMode reads the hints terminals leave in the environment. Only terminals
// known to support what this package needs are named: kitty graphics with
// Unicode placeholders (kitty, Ghostty; WezTerm and Konsole speak kitty
// graphics without placeholders), and iTerm2 inline images (iTerm2, WezTerm).
// Sixel is never assumed from the environment: Windows Terminal (WT_SESSION)
// has it only from 1.22 on, so the device attributes decide.
func envMode(getenv func(string) string) Mode {
	if getenv("TMUX") != "" {
		return Auto // the variables below describe the terminal tmux was started in, perhaps not the one attached
	}
	term, prog := getenv("TERM"), getenv("TERM_PROGRAM")
	switch {
	case getenv("KITTY_WINDOW_ID") != "", term == "xterm-kitty":
		return Kitty
	case prog == "ghostty", term == "xterm-ghostty":
		return Kitty
	case prog == "iTerm.app", prog == "WezTerm":
		return ITerm2
	}
	return Auto
}

// nameMode reads the terminal's answer to XTVERSION ("kitty(0.35.2)",
// "ghostty 1.1.3", "iTerm2 3.5.0", "WezTerm 20240203…", "tmux 3.4"); it
// reaches the terminal over SSH too, where the environment does not.
func nameMode(name string) (m Mode, tmux bool) {
	n := strings.ToLower(name)
	switch {
	case strings.HasPrefix(n, "tmux"):
		return Auto, true
	case strings.HasPrefix(n, "kitty"), strings.HasPrefix(n, "ghostty"):
		return Kitty, false
	case strings.HasPrefix(n, "iterm2"), strings.HasPrefix(n, "wezterm"):
		return ITerm2, false
	}
	return Auto, false
}

func (t *Terminal) decide() {
	switch {
	case t.forced:
	case t.named == Kitty, t.named == ITerm2 && !t.Tmux:
		t.Mode = t.named
	case t.sixel:
		t.Mode = Sixel
	default:
		t.Mode = Blocks
	}
}

// Queries is what to send the terminal (with tea.Raw) to learn its name, its
// cell size and its device attributes. Every terminal answers the device
// attributes, and answers in order, so their answer closes the exchange.
// Nothing is asked when the mode was configured.
func (t Terminal) Queries() string {
	if t.forced {
		if t.Mode == Sixel {
			return ansi.WindowOp(16) // the cell size, to size the picture
		}
		return ""
	}
	if t.silent {
		return ""
	}
	return ansi.RequestNameVersion + ansi.WindowOp(16) + ansi.RequestPrimaryDeviceAttributes
}

// Settled reports whether the terminal has answered (or nothing was asked).
func (t Terminal) Settled() bool { return t.forced || t.silent || t.settled }

// Observe takes in a message that may be an answer to [Terminal.Queries] and
// reports whether it changed the mode or the cell size.
func (t *Terminal) Observe(msg tea.Msg) bool {
	before := *t
	switch msg := msg.(type) {
	case tea.TerminalVersionMsg:
		m, tmux := nameMode(msg.Name)
		t.Tmux = t.Tmux || tmux
		if m != Auto {
			t.named = m
		}
	case uv.CellSizeEvent:
		if msg.Width > 0 && msg.Height > 0 {
			t.Cell = CellSize{W: msg.Width, H: msg.Height}
		}
	case uv.PrimaryDeviceAttributesEvent:
		t.sixel = slices.Contains(msg, 4)
		t.settled = true
	default:
		return false
	}
	t.decide()
	return t.Mode != before.Mode || t.Cell != before.Cell || t.Tmux != before.Tmux
}
