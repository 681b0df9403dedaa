package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// helpOverlay is F1: every key of the current screen with what it does, the
// keys of every screen, and the status bar in full.
type helpOverlay struct {
	f    *frame
	keys helpKeys
	open bool
}

func (h *helpOverlay) update(msg tea.Msg) {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, h.keys.Close) {
		h.open = false
	}
}

func (h *helpOverlay) view(width int, screenKeys []key.Binding, global globalKeys, status []string) string {
	f := h.f
	var b strings.Builder
	b.WriteString(f.st.Subtitle.Render("Trợ giúp — phím của màn hình này") + "\n\n")
	row := func(k key.Binding) {
		hp := k.Help()
		if hp.Key == "" {
			return
		}
		b.WriteString("  " + f.st.Code.Render(padRight(hp.Key, 14)) + " " + hp.Desc + "\n")
	}
	for _, k := range screenKeys {
		row(k)
	}
	b.WriteString("\n" + f.st.Subtitle.Render("Mọi màn hình") + "\n")
	for _, k := range []key.Binding{global.Help, global.Telex, global.Quit} {
		row(k)
	}
	b.WriteString("\n" + f.st.Subtitle.Render("Trạng thái") + "\n")
	for _, s := range status {
		b.WriteString("  " + ansi.Truncate(s, max(20, width-4), "…") + "\n")
	}
	b.WriteString("\n" + f.st.Muted.Render("F1, Esc hoặc Enter: đóng trợ giúp.") + "\n")
	return b.String()
}
