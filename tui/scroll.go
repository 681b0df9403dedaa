package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// scroller pages a body taller than the screen (resident panel, review):
// PgDn/PgUp move by half a screen; a marker says what lies beyond.
type scroller struct {
	offset int
	keys   struct{ PageDown, PageUp key.Binding }
}

func (s *scroller) init() {
	if len(s.keys.PageDown.Keys()) == 0 {
		s.keys.PageDown = bind([]string{"pgdown"}, "PgDn/PgUp", "trang")
		s.keys.PageUp = key.NewBinding(key.WithKeys("pgup"))
	}
}

func (s *scroller) top() { s.offset = 0 }

// update handles PgDn/PgUp; false for other keys.
func (s *scroller) update(k tea.KeyPressMsg, height int) bool {
	s.init()
	step := max(5, height/2)
	switch {
	case key.Matches(k, s.keys.PageDown):
		s.offset += step
	case key.Matches(k, s.keys.PageUp):
		s.offset = max(0, s.offset-step)
	default:
		return false
	}
	return true
}

// view keeps height lines of body from the offset (clamped), with a marker
// when more lies below or above.
func (s *scroller) view(body string, height int, st *Styles) string {
	s.init()
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	if height <= 0 || len(lines) <= height {
		s.offset = 0
		return strings.Join(lines, "\n")
	}
	s.offset = max(0, min(s.offset, len(lines)-height+1))
	end := min(len(lines), s.offset+height-1)
	out := append([]string(nil), lines[s.offset:end]...)
	more := fmt.Sprintf("  … còn %d dòng — PgDn/PgUp để xem", len(lines)-end+s.offset)
	return strings.Join(append(out, st.Muted.Render(more)), "\n")
}

// clipText fits s in n cells (with an ellipsis when cut).
func clipText(s string, n int) string { return ansi.Truncate(s, n, "…") }
