package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"motcua/forms/lifecycle"
)

// supplementScreen asks for a supplement (Mẫu 02): the service's checklist of
// documents, each marked with what is missing or wrong and the guidance for
// the citizen; a last row names a document outside the checklist. Enter edits
// a document (its problem is filled with "not handed in", the commonest case,
// so that Enter, Enter marks it), F10 records the slip and prints it.
type supplementScreen struct {
	f       *frame
	d       *desk
	keys    supplementKeys
	rows    []suppRow
	cur     int
	editing bool
	field   int                // the input focused while editing: 0 document (other row), 1 problem, 2 guidance
	inputs  [3]textinput.Model // document, problem, guidance
}

// suppRow is one document of the slip.
type suppRow struct {
	doc      string
	other    bool // outside the checklist: the clerk names it
	on       bool // on the slip
	problem  string
	guidance string
}

// defaultProblem is what a document marked without more words lacks.
const defaultProblem = "Chưa nộp giấy tờ này"

// maxSuppRows bounds the documents of one slip (the printed form takes 200).
const maxSuppRows = 60

// maxSuppText bounds a typed text of the slip (the printed form takes more).
const maxSuppText = 400

func newSupplementScreen(f *frame, d *desk) *supplementScreen {
	s := &supplementScreen{f: f, d: d, keys: defaultSupplementKeys()}
	for i, ph := range []string{"ví dụ: Giấy chứng nhận kết hôn (bản sao)", "Thiếu hoặc sai gì, ví dụ: thiếu bản sao có chứng thực", "Hướng dẫn, ví dụ: nộp bản sao có chứng thực hoặc bản chính để đối chiếu"} {
		in := newInput()
		in.Placeholder = ph
		in.CharLimit = maxSuppText
		in.Prompt = ""
		s.inputs[i] = in
	}
	return s
}

// open starts the slip from the declaration's checklist.
func (s *supplementScreen) open() tea.Cmd {
	in := s.d.v.intake
	if in == nil {
		return nil
	}
	s.rows = s.rows[:0]
	for _, doc := range in.Declaration().Documents() {
		s.rows = append(s.rows, suppRow{doc: documentLine(doc)})
	}
	s.rows = append(s.rows, suppRow{other: true})
	s.cur, s.editing = 0, false
	s.f.screen = scrSupplement
	s.f.clear()
	return nil
}

func (s *supplementScreen) help() []key.Binding {
	k := s.keys
	if s.editing {
		return []key.Binding{k.Save, k.Cancel, k.Next}
	}
	return []key.Binding{k.Make, k.Back, k.Edit, k.Drop, k.Move}
}

// items are the documents marked, in the checklist's order.
func (s *supplementScreen) items() []lifecycle.SupplementItem {
	var out []lifecycle.SupplementItem
	for _, r := range s.rows {
		if r.on {
			out = append(out, lifecycle.SupplementItem{Document: r.doc, Problem: r.problem, Guidance: r.guidance})
		}
	}
	return out
}

func (s *supplementScreen) update(msg tea.Msg) tea.Cmd {
	if s.editing {
		return s.updateEdit(msg)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, s.keys.Make):
		items := s.items()
		if len(items) == 0 {
			s.f.fail("Chưa ghi giấy tờ nào: chọn giấy tờ còn thiếu hoặc sai rồi nhấn Enter để ghi.")
			return nil
		}
		return s.d.askSupplement(items)
	case key.Matches(k, s.keys.Back):
		s.f.screen = scrReview
		return nil
	case k.String() == "up":
		s.cur = max(0, s.cur-1)
	case k.String() == "down":
		s.cur = min(len(s.rows)-1, s.cur+1)
	case key.Matches(k, s.keys.Drop):
		r := &s.rows[s.cur]
		if r.other && s.cur < len(s.rows)-1 { // a paper the clerk named: gone
			s.rows = append(s.rows[:s.cur], s.rows[s.cur+1:]...)
			return nil
		}
		r.on, r.problem, r.guidance = false, "", ""
		if r.other {
			r.doc = ""
		}
	case key.Matches(k, s.keys.Edit):
		return s.edit()
	}
	return nil
}

// edit opens the current document's inputs, the problem filled when new.
func (s *supplementScreen) edit() tea.Cmd {
	r := s.rows[s.cur]
	problem := r.problem
	if !r.on {
		problem = defaultProblem
	}
	for i, v := range []string{r.doc, problem, r.guidance} {
		s.inputs[i].SetValue(v)
		s.inputs[i].CursorEnd()
	}
	s.editing = true
	s.field = 1
	if r.other && r.doc == "" {
		s.field = 0
	}
	s.f.clear()
	return s.focus()
}

func (s *supplementScreen) focus() tea.Cmd {
	s.f.typist.Reset()
	var cmd tea.Cmd
	for i := range s.inputs {
		if i == s.field {
			cmd = s.inputs[i].Focus()
		} else {
			s.inputs[i].Blur()
		}
	}
	return cmd
}

func (s *supplementScreen) updateEdit(msg tea.Msg) tea.Cmd {
	r := &s.rows[s.cur]
	if k, ok := msg.(tea.KeyPressMsg); ok {
		first := 1
		if r.other {
			first = 0
		}
		switch {
		case key.Matches(k, s.keys.Cancel):
			s.editing = false
			return nil
		case key.Matches(k, s.keys.Save):
			doc := r.doc
			if r.other {
				doc = strings.TrimSpace(s.inputs[0].Value())
			}
			problem := strings.TrimSpace(s.inputs[1].Value())
			switch {
			case doc == "":
				s.f.fail("Ghi tên giấy tờ cần bổ sung.")
				s.field = 0
				return s.focus()
			case problem == "":
				s.f.fail("Ghi giấy tờ này thiếu hoặc sai gì.")
				s.field = 1
				return s.focus()
			}
			r.doc, r.problem, r.guidance, r.on = doc, problem, strings.TrimSpace(s.inputs[2].Value()), true
			if r.other && s.cur == len(s.rows)-1 && len(s.rows) < maxSuppRows {
				s.rows = append(s.rows, suppRow{other: true}) // room for another paper
			}
			s.editing = false
			s.f.clear()
			return nil
		case k.String() == "tab" || k.String() == "down":
			s.field = min(2, s.field+1)
			return s.focus()
		case k.String() == "shift+tab" || k.String() == "up":
			s.field = max(first, s.field-1)
			return s.focus()
		}
	}
	var cmd tea.Cmd
	s.inputs[s.field], cmd = s.f.typist.Update(s.inputs[s.field], msg)
	return cmd
}

func (s *supplementScreen) view(width, height int) string {
	f := s.f
	in := s.d.v.intake
	if in == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(f.st.Subtitle.Render("Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02): "+in.Spec().Name) + "\n")
	b.WriteString(f.st.Muted.Render("Chọn giấy tờ còn thiếu hoặc sai, Enter để ghi; tờ khai được giữ lại đến khi công dân quay lại.") + "\n\n")
	w := max(20, width-4)
	head := b.String()
	b.Reset()
	curLine := 0
	for i, r := range s.rows {
		if i == s.cur {
			curLine = strings.Count(b.String(), "\n")
		}
		mark := "[ ]"
		if r.on {
			mark = "[x]"
		}
		name := r.doc
		if r.other && name == "" {
			name = "Giấy tờ khác (ghi tên)…"
		}
		line := mark + " " + show(name)
		if i == s.cur && !s.editing {
			b.WriteString(f.st.Selected.Render(clipText("› "+line, w)) + "\n")
		} else {
			b.WriteString(clipText("  "+line, w) + "\n")
		}
		if i == s.cur && s.editing {
			iw := max(20, min(90, width-20))
			labels := []string{"Tên giấy tờ", "Thiếu/sai", "Hướng dẫn"}
			for j := range s.inputs {
				if j == 0 && !r.other {
					continue
				}
				s.inputs[j].SetWidth(iw)
				b.WriteString("      " + f.st.Label.Render(padRight(labels[j], 11)) + " " + s.inputs[j].View() + "\n")
			}
			continue
		}
		if r.on {
			text := "thiếu/sai: " + r.problem
			if r.guidance != "" {
				text += " — hướng dẫn: " + r.guidance
			}
			b.WriteString(f.st.Muted.Render(clipText("      "+show(text), w)) + "\n")
		}
	}
	// a long checklist: the window around the document chosen
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	avail := max(3, height-lipgloss.Height(head)-3)
	if len(lines) > avail {
		start := min(max(0, curLine-avail/3), len(lines)-avail)
		lines = lines[start : start+avail]
	}
	out := head + strings.Join(lines, "\n") + "\n"
	if n := len(s.items()); n > 0 {
		out += "\n" + f.st.OK.Render(fmt.Sprintf("%d giấy tờ trên phiếu. F10: lập phiếu và in.", n)) + "\n"
	}
	return out
}
