package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"motcua/forms"
)

// reviewScreen is step 5: what the citizen hands over, the residence note,
// the persons and every value with its source; Enter receives the dossier.
type reviewScreen struct {
	f      *frame
	d      *desk
	keys   reviewKeys
	scroll scroller
	// the reception's other outcomes (outcome.go)
	supplement *supplementScreen
	refusal    *refuseScreen
}

func newReviewScreen(f *frame, d *desk, sup *supplementScreen, ref *refuseScreen) *reviewScreen {
	return &reviewScreen{f: f, d: d, keys: defaultReviewKeys(), supplement: sup, refusal: ref}
}

func (s *reviewScreen) onShow() tea.Cmd { s.scroll.top(); return nil }

func (s *reviewScreen) help() []key.Binding {
	return []key.Binding{s.keys.Receive, s.keys.Supplement, s.keys.Refuse, s.keys.Edit, s.keys.PageDown, s.keys.Electronic}
}

func (s *reviewScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if s.scroll.update(k, s.f.height) {
		return nil
	}
	switch {
	case key.Matches(k, s.keys.Edit):
		s.f.screen = scrForm
		return s.d.form.load()
	case key.Matches(k, s.keys.Receive):
		return s.d.receive()
	case key.Matches(k, s.keys.Supplement):
		return s.supplement.open()
	case key.Matches(k, s.keys.Refuse):
		return s.refusal.open()
	case key.Matches(k, s.keys.Electronic):
		return s.toggleElectronic(int(k.Text[0] - '1'))
	}
	return nil
}

// toggleElectronic records the n-th document of the checklist as shown electronically
// (integrated in VNeID or held in a national database: no paper, no copy taken), or takes
// the record back; the draft is saved.
func (s *reviewScreen) toggleElectronic(n int) tea.Cmd {
	in := s.d.v.intake
	if in == nil {
		return nil
	}
	decl := in.Declaration()
	docs := decl.Documents()
	if n < 0 || n >= len(docs) {
		return nil
	}
	doc := docs[n]
	if !forms.CanShowElectronically(doc) {
		s.f.fail("Tờ khai do cán bộ điền tại quầy, không phải giấy tờ xuất trình điện tử.")
		return nil
	}
	_, shown := decl.ShownElectronically(doc.Name)
	if err := decl.ShowElectronically(doc.Name, !shown); err != nil {
		s.f.fail(s.f.explain(err))
		return nil
	}
	if shown {
		s.f.say("Giấy tờ " + fmt.Sprint(n+1) + ": công dân nộp giấy.")
	} else {
		s.f.say("Giấy tờ " + fmt.Sprint(n+1) + ": đã ghi xuất trình điện tử, không thu bản sao (Chỉ thị 24/CT-TTg).")
	}
	return s.d.saveDraft()
}

func (s *reviewScreen) view(width, height int) string {
	return s.scroll.view(s.body(), height, &s.f.st)
}

func (s *reviewScreen) body() string {
	f, fs := s.f, s.d.form
	in := s.d.v.intake
	if in == nil {
		return ""
	}
	decl := in.Declaration()
	var b strings.Builder
	b.WriteString(f.st.Subtitle.Render("Bước 5 — Xem lại trước khi tiếp nhận: "+in.Spec().Name) + "\n\n")
	b.WriteString(f.st.Muted.Render("Enter: tiếp nhận (Mẫu 01) · b: yêu cầu bổ sung (Mẫu 02) · t: từ chối (Mẫu 03)") + "\n\n")
	if s.d.v.fromSlip != "" {
		b.WriteString(f.st.Warn.Render("Tờ khai giữ theo phiếu yêu cầu bổ sung "+show(s.d.v.fromSlip)+": kiểm tra giấy tờ công dân nộp bổ sung.") + "\n\n")
	}
	if procs := decl.Procedures(); len(procs) > 0 {
		b.WriteString(f.st.Label.Render("Thủ tục") + "\n")
		for _, p := range procs {
			days := "trong ngày"
			if p.ProcessingDays > 0 {
				days = fmt.Sprintf("%d ngày làm việc", p.ProcessingDays)
			}
			fmt.Fprintf(&b, "  • %s — %s (%s)\n", p.Name, p.Agency, days)
		}
	}
	// what the citizen hands over and the residence note first: the long
	// field list follows (PgDn)
	b.WriteString(f.st.Label.Render("Giấy tờ công dân nộp") + "\n")
	markable := false
	for i, doc := range decl.Documents() {
		markable = markable || forms.CanShowElectronically(doc)
		line := documentLine(doc)
		if src, ok := decl.ShownElectronically(doc.Name); ok {
			line = fmt.Sprintf("%s — xuất trình điện tử (%s), không thu bản sao", doc.Name, src)
		}
		if i < 9 {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, line)
		} else {
			b.WriteString("     " + line + "\n")
		}
	}
	if markable {
		b.WriteString(f.st.Muted.Render("  Số của dòng: giấy tờ xuất trình trên VNeID/CSDL quốc gia, không thu bản sao.") + "\n")
	}
	for _, n := range decl.Notes() {
		b.WriteString(f.st.Warn.Render("⚠ "+show(n)) + "\n")
	}
	b.WriteString(f.st.OK.Render("Thông tin cư trú lấy từ CSDL quốc gia về dân cư: không yêu cầu giấy xác nhận cư trú (CT07/CT08).") + "\n\n")
	b.WriteString(f.st.Label.Render("Người trong tờ khai") + "\n")
	for _, p := range in.Spec().Persons() {
		if _, ok := decl.Person(p.ID); ok && decl.PersonRelevant(p.ID) {
			fmt.Fprintf(&b, "  %s %s\n", padRight(clipText(p.Label, 33), 34), fs.slotText(p.ID))
		}
	}
	section := ""
	for _, r := range fs.rows {
		switch r.kind {
		case rowSection:
			section = r.title
		case rowGroupRow:
			b.WriteString("  " + f.st.Label.Render(r.title) + "\n")
		case rowField:
			v := fs.display(r)
			if v == "" {
				continue
			}
			if section != "" {
				b.WriteString(f.st.Label.Render(section) + "\n")
				section = ""
			}
			fmt.Fprintf(&b, "  %s %s %s\n", padRight(clipText(r.title, 33), 34), v, fs.sourceOf(r.path))
		}
	}
	return b.String()
}

func documentLine(d forms.Document) string {
	kind := "bản sao"
	if d.Original {
		kind = "bản chính"
	}
	return fmt.Sprintf("%s (%s, %d)", d.Name, kind, max(1, d.Count))
}
