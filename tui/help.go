package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// helpOverlay is F1: every key of the current screen with what it does, the
// keys of every screen, and the status bar in full. On a small terminal the
// keys go in two columns.
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

func (h *helpOverlay) view(width, height int, screenKeys []key.Binding, global globalKeys, status []string) string {
	f := h.f
	var rows []string
	for _, k := range append(screenKeys, global.Help, global.Telex, global.Lock, global.Quit) {
		if hp := k.Help(); hp.Key != "" {
			rows = append(rows, f.st.Code.Render(padRight(hp.Key, 11))+" "+hp.Desc)
		}
	}
	var b strings.Builder
	b.WriteString(f.st.Subtitle.Render("Trợ giúp — phím của màn hình này và mọi màn hình") + "\n")
	// title, status title and lines, closing line, blank lines
	room := height - len(status) - 5
	if len(rows) > room && width >= 60 {
		col := (width - 4) / 2
		half := (len(rows) + 1) / 2
		for i := 0; i < half; i++ {
			left := padRight(ansi.Truncate(rows[i], col-1, "…"), col)
			right := ""
			if i+half < len(rows) {
				right = ansi.Truncate(rows[i+half], col-1, "…")
			}
			b.WriteString("  " + left + right + "\n")
		}
	} else {
		for _, r := range rows {
			b.WriteString("  " + ansi.Truncate(r, max(20, width-4), "…") + "\n")
		}
	}
	b.WriteString(f.st.Subtitle.Render("Trạng thái") + "\n")
	for _, s := range status {
		b.WriteString("  " + ansi.Truncate(s, max(20, width-4), "…") + "\n")
	}
	b.WriteString(f.st.Muted.Render("F1, Esc hoặc Enter: đóng trợ giúp."))
	return b.String()
}
