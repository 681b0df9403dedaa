package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"motcua/lookups/vntext"
)

// pickItem is one row of a picker.
type pickItem struct {
	key    string // stable identity: the cursor follows it when the list changes
	text   string // the row as shown (may carry styles)
	search string // what typing filters on (diacritics optional); text when empty
}

// picker is the one list component of the program (virtual cards, services,
// drafts, history): ↑/↓ and PgUp/PgDn move, a digit picks the n-th row shown,
// letters filter without diacritics, Backspace shortens the filter, Enter
// picks the highlighted row. The rows keep the order they were given in.
type picker struct {
	st       *Styles
	keys     pickerKeys
	items    []pickItem
	shown    []int // indexes of items matching the filter
	cur      int   // index into shown
	filter   string
	numbered bool // a digit picks a row
	empty    string
}

type pickerKeys struct {
	Up, Down, PageUp, PageDown, Pick, Filter key.Binding
}

func defaultPickerKeys() pickerKeys {
	return pickerKeys{
		Up:       key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "chọn")),
		Down:     key.NewBinding(key.WithKeys("down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("PgUp/PgDn", "trang")),
		Pick:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "chọn")),
		Filter:   key.NewBinding(key.WithKeys("a"), key.WithHelp("gõ chữ/số", "lọc, chọn nhanh")),
	}
}

func newPicker(st *Styles, numbered bool, empty string) *picker {
	return &picker{st: st, keys: defaultPickerKeys(), numbered: numbered, empty: empty}
}

// set replaces the rows; the cursor stays on the same key when it is still there.
func (p *picker) set(items []pickItem) {
	keep := ""
	if it, ok := p.selected(); ok {
		keep = it.key
	}
	p.items = items
	p.refilter(keep)
}

func (p *picker) refilter(keep string) {
	p.shown = p.shown[:0]
	for i, it := range p.items {
		s := it.search
		if s == "" {
			s = ansi.Strip(it.text)
		}
		if p.filter == "" || vntext.Contains(s, p.filter) {
			p.shown = append(p.shown, i)
		}
	}
	p.cur = 0
	for j, i := range p.shown {
		if p.items[i].key == keep {
			p.cur = j
		}
	}
}

// reset clears the filter and puts the cursor on the first row.
func (p *picker) reset() {
	p.filter = ""
	p.refilter("")
}

// selected is the highlighted row.
func (p *picker) selected() (pickItem, bool) {
	if p.cur < 0 || p.cur >= len(p.shown) {
		return pickItem{}, false
	}
	return p.items[p.shown[p.cur]], true
}

// update handles a key: picked reports Enter (or a digit) on a row; handled
// is false for keys the picker leaves to its screen (Esc with no filter, F-keys).
func (p *picker) update(k tea.KeyPressMsg, pageRows int) (picked, handled bool) {
	switch {
	case key.Matches(k, p.keys.Up):
		p.cur = max(0, p.cur-1)
	case key.Matches(k, p.keys.Down):
		p.cur = min(len(p.shown)-1, p.cur+1)
	case key.Matches(k, p.keys.PageUp):
		p.cur = max(0, p.cur-max(1, pageRows))
	case key.Matches(k, p.keys.PageDown):
		p.cur = max(0, min(len(p.shown)-1, p.cur+max(1, pageRows)))
	case k.String() == "home":
		p.cur = 0
	case k.String() == "end":
		p.cur = max(0, len(p.shown)-1)
	case key.Matches(k, p.keys.Pick):
		_, ok := p.selected()
		return ok, true
	case k.String() == "backspace":
		if p.filter == "" {
			return false, false
		}
		r := []rune(p.filter)
		p.filter = string(r[:len(r)-1])
		keep := ""
		if it, ok := p.selected(); ok {
			keep = it.key
		}
		p.refilter(keep)
	case k.String() == "esc":
		if p.filter == "" {
			return false, false
		}
		p.filter = ""
		p.refilter("")
	case p.numbered && p.filter == "" && len(k.Text) == 1 && k.Text[0] >= '1' && k.Text[0] <= '9':
		n := int(k.Text[0] - '1')
		if n < len(p.shown) {
			p.cur = n
			return true, true
		}
	case k.Text != "" && k.Mod&(tea.ModCtrl|tea.ModAlt) == 0:
		p.filter += k.Text
		p.refilter("")
	default:
		return false, false
	}
	return false, true
}

// view renders at most height rows around the cursor.
func (p *picker) view(width, height int) string {
	var b strings.Builder
	if p.filter != "" {
		b.WriteString(p.st.Muted.Render("Lọc: "+p.filter+"▏  (Backspace xóa bớt, Esc bỏ lọc)") + "\n")
		height--
	}
	if len(p.shown) == 0 {
		msg := p.empty
		if p.filter != "" {
			msg = "Không có dòng nào khớp với «" + p.filter + "»."
		}
		b.WriteString(p.st.Muted.Render(msg))
		return b.String()
	}
	height = max(1, height)
	start := 0
	if p.cur >= height {
		start = p.cur - height + 1
	}
	end := min(len(p.shown), start+height)
	for j := start; j < end; j++ {
		it := p.items[p.shown[j]]
		num := "  "
		if p.numbered && p.filter == "" && j < 9 {
			num = fmt.Sprintf("%d ", j+1)
		}
		line := num + it.text
		if j == p.cur {
			line = p.st.Selected.Render("› " + ansi.Strip(line))
		} else {
			line = "  " + line
		}
		if width > 2 {
			line = ansi.Truncate(line, width-1, "…")
		}
		b.WriteString(line + "\n")
	}
	if end < len(p.shown) || start > 0 {
		b.WriteString(p.st.Muted.Render(fmt.Sprintf("  (%d/%d — ↑/↓, PgUp/PgDn)", p.cur+1, len(p.shown))))
	}
	return strings.TrimRight(b.String(), "\n")
}
