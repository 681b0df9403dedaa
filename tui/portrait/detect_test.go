package portrait

import (
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"

	"motcua/internal/config"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestDetect(t *testing.T) {
	da1Sixel := uv.PrimaryDeviceAttributesEvent{62, 4, 22}
	da1Plain := uv.PrimaryDeviceAttributesEvent{62, 22}
	for _, tc := range []struct {
		name    string
		want    Mode
		env     func(string) string
		answers []tea.Msg
		first   Mode // before any answer
		final   Mode
	}{
		{"kitty by its window id", Auto, env("KITTY_WINDOW_ID", "1", "TERM", "xterm-kitty"), []tea.Msg{da1Plain}, Kitty, Kitty},
		{"ghostty", Auto, env("TERM_PROGRAM", "ghostty"), nil, Kitty, Kitty},
		{"iTerm2", Auto, env("TERM_PROGRAM", "iTerm.app"), []tea.Msg{da1Plain}, ITerm2, ITerm2},
		{"WezTerm prefers iTerm2 images", Auto, env("TERM_PROGRAM", "WezTerm"), []tea.Msg{da1Sixel}, ITerm2, ITerm2},
		{"Windows Terminal with sixel", Auto, env("WT_SESSION", "x"), []tea.Msg{da1Sixel}, Blocks, Sixel},
		{"Windows Terminal before 1.22", Auto, env("WT_SESSION", "x"), []tea.Msg{da1Plain}, Blocks, Blocks},
		{"xterm that lists sixel", Auto, env("TERM", "xterm-256color"), []tea.Msg{tea.TerminalVersionMsg{Name: "XTerm(390)"}, da1Sixel}, Blocks, Sixel},
		{"Linux console", Auto, env("TERM", "linux"), []tea.Msg{uv.PrimaryDeviceAttributesEvent{6}}, Blocks, Blocks},
		{"kitty over SSH, named by XTVERSION", Auto, env("TERM", "xterm-kitty-ish"), []tea.Msg{tea.TerminalVersionMsg{Name: "kitty(0.35.2)"}, da1Plain}, Blocks, Kitty},
		{"iTerm2 over SSH", Auto, env(), []tea.Msg{tea.TerminalVersionMsg{Name: "iTerm2 3.5.0"}, da1Sixel}, Blocks, ITerm2},
		{"tmux hides the kitty hints", Auto, env("TMUX", "/tmp/tmux-0/default,1,0", "KITTY_WINDOW_ID", "1"), []tea.Msg{da1Plain}, Blocks, Blocks},
		{"tmux with sixel (3.4+)", Auto, env("TMUX", "x"), []tea.Msg{tea.TerminalVersionMsg{Name: "tmux 3.4"}, da1Sixel}, Blocks, Sixel},
		{"iTerm2 name through tmux stays blocks", Auto, env("TMUX", "x"), []tea.Msg{tea.TerminalVersionMsg{Name: "iTerm2 3.5"}, da1Plain}, Blocks, Blocks},
		{"configured off", Off, env("KITTY_WINDOW_ID", "1"), []tea.Msg{da1Sixel}, Off, Off},
		{"configured blocks", Blocks, env("KITTY_WINDOW_ID", "1"), []tea.Msg{da1Sixel}, Blocks, Blocks},
		{"configured sixel", Sixel, env(), []tea.Msg{da1Plain}, Sixel, Sixel},
		{"configured sixel in tmux", Sixel, env("TMUX", "x"), nil, Blocks, Blocks},
		{"configured kitty in tmux (passthrough)", Kitty, env("TMUX", "x"), nil, Kitty, Kitty},
	} {
		t.Run(tc.name, func(t *testing.T) {
			term := Detect(tc.want, tc.env)
			if term.Mode != tc.first {
				t.Errorf("before the answers: %v, want %v", term.Mode, tc.first)
			}
			for _, a := range tc.answers {
				term.Observe(a)
			}
			if term.Mode != tc.final {
				t.Errorf("after the answers: %v, want %v", term.Mode, tc.final)
			}
		})
	}
}

func TestQueries(t *testing.T) {
	q := Detect(Auto, env()).Queries()
	// The device attributes come last: every terminal answers them, in order,
	// so their answer means every other answer is in.
	if !strings.HasSuffix(q, ansi.RequestPrimaryDeviceAttributes) ||
		!strings.Contains(q, ansi.RequestNameVersion) || !strings.Contains(q, "\x1b[16t") {
		t.Errorf("queries %q", q)
	}
	if q := Detect(Blocks, env()).Queries(); q != "" {
		t.Errorf("configured blocks asks %q", q)
	}
	if q := Detect(Sixel, env()).Queries(); q != "\x1b[16t" {
		t.Errorf("configured sixel asks %q", q)
	}
}

// On Windows the console host is not asked (Wine's console echoed the answers onto
// the login screen): half blocks, settled at once. Windows Terminal and a terminal
// named by the environment are asked as elsewhere.
func TestWindowsConsoleIsNotAsked(t *testing.T) {
	defer func(g string) { goos = g }(goos)
	goos = "windows"
	term := Detect(Auto, env())
	if q := term.Queries(); q != "" || !term.Settled() || term.Mode != Blocks {
		t.Errorf("console host: queries %q, settled %v, mode %v", q, term.Settled(), term.Mode)
	}
	if q := Detect(Auto, env("WT_SESSION", "x")).Queries(); !strings.Contains(q, ansi.RequestPrimaryDeviceAttributes) {
		t.Errorf("Windows Terminal not asked: %q", q)
	}
	if term := Detect(Auto, env("TERM_PROGRAM", "WezTerm")); term.Queries() == "" || term.Mode != ITerm2 {
		t.Errorf("WezTerm on Windows: queries %q, mode %v", term.Queries(), term.Mode)
	}
	if q := Detect(Sixel, env()).Queries(); q != "\x1b[16t" {
		t.Errorf("configured sixel on Windows asks %q", q)
	}
}

func TestObserveCellSize(t *testing.T) {
	term := Detect(Auto, env())
	if term.Settled() {
		t.Error("settled before any answer")
	}
	if !term.Observe(uv.CellSizeEvent{Width: 9, Height: 18}) || term.Cell != (CellSize{9, 18}) {
		t.Errorf("cell %v", term.Cell)
	}
	if term.Observe(tea.KeyPressMsg{}) {
		t.Error("a key press is not an answer")
	}
	term.Observe(uv.PrimaryDeviceAttributesEvent{1})
	if !term.Settled() {
		t.Error("not settled after the device attributes")
	}
}

// TestModesMatchConfig: the configuration accepts exactly the modes
// ParseMode reads (config cannot import tui, so it keeps its own list).
func TestModesMatchConfig(t *testing.T) {
	if !slices.Equal(Modes(), config.PortraitModes) {
		t.Errorf("portrait modes %v, configuration %v", Modes(), config.PortraitModes)
	}
	if m, err := ParseMode(config.Default().Card.Portrait); m != Auto || err != nil {
		t.Errorf("default %v %v", m, err)
	}
}
