package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"motcua/forms"
	"motcua/lookups/vntext"
)

// formView renders any service spec: sections, fields marked by source,
// inline errors as the clerk types, choices cycled or picked by typing.
// It has no per-service code.
type formView struct {
	spec   *forms.Spec
	decl   *forms.Declaration
	st     Styles
	keys   keyMap
	fields []*forms.Field
	cur    int
	input  textinput.Model
	errs   map[string]string // field id -> inline message
	filter string            // type-to-filter text on a choice field
	loc    *time.Location
}

func newFormView(spec *forms.Spec, decl *forms.Declaration, st Styles, loc *time.Location) *formView {
	in := newInput()
	in.Prompt = ""
	in.CharLimit = 300
	in.SetWidth(70)
	return &formView{spec: spec, decl: decl, st: st, keys: defaultKeys(), fields: spec.Fields(), input: in, errs: map[string]string{}, loc: loc}
}

// setWidth fits the editor into the terminal width (label column 40 + tags).
func (f *formView) setWidth(w int) { f.input.SetWidth(max(20, w-60)) }

func (f *formView) current() *forms.Field { return f.fields[f.cur] }

// editable reports whether the clerk can move to the field.
func (f *formView) editable(i int) bool { return f.decl.Relevant(f.fields[i].ID) }

// load puts the current field's value into the editor.
func (f *formView) load() tea.Cmd {
	fd := f.current()
	f.filter = ""
	f.input.Reset()
	if fd.Type == forms.TypeChoice {
		f.input.Blur()
		return nil
	}
	f.input.SetValue(f.decl.Value(fd.ID))
	f.input.CursorEnd()
	return f.input.Focus()
}

// commit writes the editor back into the declaration; false when refused.
func (f *formView) commit() bool {
	fd := f.current()
	if fd.Type == forms.TypeChoice {
		return true
	}
	v := f.input.Value()
	if v == f.decl.Value(fd.ID) {
		return true
	}
	if err := f.decl.Set(fd.ID, v); err != nil {
		if errors.Is(err, forms.ErrReadOnly) {
			f.errs[fd.ID] = "Ô này lấy từ thẻ/CSDL, không sửa được."
			f.input.SetValue(f.decl.Value(fd.ID))
		}
		return false
	}
	f.check(fd.ID)
	return true
}

// check refreshes the inline message of one field.
func (f *formView) check(id string) {
	delete(f.errs, id)
	for _, p := range f.decl.ValidateField(id) {
		if p.Code == "required" {
			continue // shown as "missing" only once the clerk asks to review
		}
		f.errs[id] = p.Message
		return
	}
}

func (f *formView) move(delta int) tea.Cmd {
	f.commit()
	for i := f.cur + delta; i >= 0 && i < len(f.fields); i += delta {
		if f.editable(i) {
			f.cur = i
			return f.load()
		}
	}
	return nil
}

func (f *formView) focusField(id string) tea.Cmd {
	for i, fd := range f.fields {
		if fd.ID == id {
			f.cur = i
			return f.load()
		}
	}
	return nil
}

func (f *formView) focusFirstMissing() tea.Cmd {
	if miss := f.decl.Missing(); len(miss) > 0 {
		return f.focusField(miss[0])
	}
	for i := range f.fields {
		if f.editable(i) && !f.fields[i].ReadOnly {
			f.cur = i
			return f.load()
		}
	}
	return f.load()
}

func (f *formView) showProblems(probs []forms.Problem) {
	for _, p := range probs {
		if _, ok := f.errs[p.FieldID]; !ok {
			f.errs[p.FieldID] = p.Message
		}
	}
}

func (f *formView) update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, f.keys.NextEmpty):
			f.commit()
			if miss := f.decl.Missing(); len(miss) > 0 {
				return f.focusField(miss[0])
			}
			return nil
		case key.Matches(k, f.keys.Next), k.String() == "enter":
			return f.move(+1)
		case key.Matches(k, f.keys.Prev):
			return f.move(-1)
		}
		if f.current().Type == forms.TypeChoice {
			f.updateChoice(k)
			return nil
		}
	}
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	// validate as the clerk types: the declaration follows the editor
	fd := f.current()
	if f.input.Value() != f.decl.Value(fd.ID) {
		if err := f.decl.Set(fd.ID, f.input.Value()); err == nil {
			f.check(fd.ID)
		} else if errors.Is(err, forms.ErrReadOnly) {
			f.errs[fd.ID] = "Ô này lấy từ thẻ/CSDL, không sửa được."
			f.input.SetValue(f.decl.Value(fd.ID))
		}
	}
	return cmd
}

// updateChoice: ←/→ cycle, a digit picks the n-th choice, letters filter by
// diacritic-free prefix/substring, backspace clears the filter.
func (f *formView) updateChoice(k tea.KeyPressMsg) {
	fd := f.current()
	choices := fd.Choices
	if len(choices) == 0 {
		return
	}
	idx := -1
	for i, c := range choices {
		if c.Value == f.decl.Value(fd.ID) {
			idx = i
		}
	}
	set := func(i int) {
		if err := f.decl.Set(fd.ID, choices[i].Value); err == nil {
			f.check(fd.ID)
		}
	}
	switch s := k.String(); {
	case s == "right" || s == "space":
		set((idx + 1) % len(choices))
		f.filter = ""
	case s == "left":
		if idx <= 0 {
			idx = len(choices)
		}
		set(idx - 1)
		f.filter = ""
	case s == "backspace":
		f.filter = ""
	case len(k.Text) == 1 && k.Text[0] >= '1' && k.Text[0] <= '9':
		if n := int(k.Text[0] - '1'); n < len(choices) {
			set(n)
		}
		f.filter = ""
	case k.Text != "":
		f.filter += k.Text
		for i, c := range choices {
			if vntext.Contains(c.Label, f.filter) {
				set(i)
				break
			}
		}
	}
}

// display is the value as shown (choice labels instead of codes).
func (f *formView) display(fd forms.Field) string {
	v := f.decl.Value(fd.ID)
	if fd.Type == forms.TypeChoice && v != "" {
		if l := fd.ChoiceLabel(v); l != "" {
			return l
		}
	}
	return v
}

func (f *formView) sourceOf(id string) string {
	p := f.decl.Provenance(id)
	p.At = p.At.In(f.loc)
	switch p.Source {
	case forms.SourceCard:
		return f.st.SourceCard.Render("[chip]")
	case forms.SourceQR:
		return f.st.SourceCard.Render("[QR]")
	case forms.SourceDatabase:
		return f.st.SourceDB.Render("[CSDL " + p.At.Format("15:04") + "]")
	case forms.SourceCache:
		return f.st.SourceOld.Render("[CSDL lưu tạm " + p.At.Format("02/01 15:04") + "]")
	case forms.SourceConfig:
		return f.st.Muted.Render("[cấu hình]")
	case forms.SourceDefault:
		return f.st.Muted.Render("[mặc định]")
	}
	return ""
}

func (f *formView) view(width, height int) string {
	var lines []string
	curLine := 0
	missing := map[string]bool{}
	for _, id := range f.decl.Missing() {
		missing[id] = true
	}
	typed, prefilled := 0, 0
	for _, fd := range f.fields {
		if !f.decl.Relevant(fd.ID) {
			continue
		}
		switch f.decl.Provenance(fd.ID).Source {
		case forms.SourceClerk, "":
			typed++
		default:
			prefilled++
		}
	}
	header := f.st.Subtitle.Render("Bước 4 — "+f.spec.FormName) +
		f.st.Muted.Render(fmt.Sprintf("  (mẫu %s, phiên bản %s) — %d ô đã điền sẵn, còn %d ô bắt buộc chưa nhập",
			f.spec.Template, f.spec.Version, prefilled, len(missing)))
	lastSec := ""
	for i, fd := range f.fields {
		if !f.decl.Relevant(fd.ID) {
			continue
		}
		if sec := f.sectionTitle(fd.ID); sec != lastSec {
			lines = append(lines, "", f.st.Label.Render("── "+sec))
			lastSec = sec
		}
		mark := "  "
		label := fd.Label
		if fd.Required {
			label += f.st.Required.Render("*")
		}
		var val string
		if i == f.cur {
			mark = f.st.Title.Render("› ")
			curLine = len(lines)
			if fd.Type == forms.TypeChoice {
				val = f.choiceLine(fd)
			} else {
				val = f.input.View()
			}
		} else {
			val = f.display(*fd)
			if val == "" && missing[fd.ID] {
				val = f.st.Required.Render("(chưa nhập)")
			}
		}
		line := fmt.Sprintf("%s%s  %s %s", mark, padRight(label, 38), val, f.sourceOf(fd.ID))
		if fd.ReadOnly && f.decl.Value(fd.ID) != "" {
			line += f.st.Muted.Render(" 🔒")
		}
		lines = append(lines, line)
		if msg, ok := f.errs[fd.ID]; ok {
			lines = append(lines, "    "+f.st.Error.Render("⚠ "+msg))
		} else if i == f.cur && fd.Hint != "" && fd.Type != forms.TypeChoice {
			lines = append(lines, "    "+f.st.Muted.Render(fd.Hint))
		}
	}
	// keep the current field on screen
	avail := height - 3
	if avail < 5 {
		avail = len(lines)
	}
	start := 0
	if curLine > avail/2 {
		start = curLine - avail/2
	}
	end := min(len(lines), start+avail)
	if end-start < avail && start > 0 {
		start = max(0, end-avail)
	}
	body := lines[start:end]
	out := header + "\n" + strings.Join(body, "\n")
	if end < len(lines) {
		out += "\n" + f.st.Muted.Render("  … (còn tiếp, dùng ↓)")
	}
	return out
}

func (f *formView) sectionTitle(id string) string {
	for _, s := range f.spec.Sections {
		for _, fd := range s.Fields {
			if fd.ID == id {
				return s.Title
			}
		}
	}
	return ""
}

func (f *formView) choiceLine(fd *forms.Field) string {
	cur := f.decl.Value(fd.ID)
	parts := make([]string, len(fd.Choices))
	for i, c := range fd.Choices {
		label := fmt.Sprintf("%d %s", i+1, c.Label)
		if c.Value == cur {
			label = f.st.Selected.Render(label)
		}
		parts[i] = label
	}
	s := strings.Join(parts, " │ ")
	if f.filter != "" {
		s += f.st.Muted.Render("  lọc: " + f.filter)
	}
	return s
}

func padRight(s string, n int) string {
	w := ansi.StringWidth(s)
	if w >= n {
		return s
	}
	return s + strings.Repeat(" ", n-w)
}
