package tui

import (
	"fmt"
	"strings"

	"motcua/forms"
	"motcua/lookups"
	"motcua/lookups/vntext"
)

func (m Model) viewIdentify() string {
	var b strings.Builder
	if m.slotTarget != "" {
		b.WriteString(m.st.Subtitle.Render("Điền người trong tờ khai: "+m.form.slotLabel(m.slotTarget)) + "\n\n")
	} else {
		b.WriteString(m.st.Subtitle.Render("Bước 1 — Xác định công dân") + "\n\n")
	}
	b.WriteString("Chạm thẻ căn cước lên đầu đọc")
	if m.opt.Reader != nil {
		b.WriteString(" (F2)")
	}
	b.WriteString(", quét mã QR trên thẻ, hoặc gõ số định danh cá nhân rồi nhấn Enter.\n")
	if m.slotTarget == "" {
		b.WriteString(m.st.Muted.Render("F3: mở hồ sơ đang soạn dở.  F4: lịch sử hồ sơ, in lại biên nhận.") + "\n")
	}
	b.WriteString("\n" + m.input.View() + "\n")
	if m.chip != nil && m.chipSlot == m.slotTarget {
		b.WriteString("\n" + m.viewChip())
	}
	return b.String()
}

func (m Model) viewLogin() string {
	var b strings.Builder
	b.WriteString(m.st.Subtitle.Render("Đăng nhập") + "\n\n")
	b.WriteString("Kho dữ liệu trên máy được mã hóa: mỗi cán bộ mở bằng mật khẩu của mình.\n\n")
	b.WriteString(m.loginID.View() + "\n" + m.loginPass.View() + "\n")
	return b.String()
}

func (m Model) viewHistory() string {
	var b strings.Builder
	b.WriteString(m.st.Subtitle.Render("Hồ sơ đã tiếp nhận trên máy này — chọn để in lại giấy biên nhận") + "\n\n")
	for i, d := range m.history {
		name := d.Service
		if spec, ok := forms.Lookup(d.Service); ok {
			name = spec.Name
		}
		line := fmt.Sprintf("%s  %s  %-14s %s", d.Code, m.clock(d.ReceivedAt, "15:04 02/01"), d.State, name)
		if i == m.histIdx {
			b.WriteString(m.st.Selected.Render("› "+line) + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
	}
	return b.String()
}

func (m Model) viewDrafts() string {
	var b strings.Builder
	b.WriteString(m.st.Subtitle.Render("Hồ sơ đang soạn dở") + "\n\n")
	for i, d := range m.drafts {
		name := d.Service
		if spec, ok := forms.Lookup(d.Service); ok {
			name = spec.Name
		}
		line := fmt.Sprintf("%-52s %s  %s", name, m.clock(d.UpdatedAt, "15:04 02/01/2006"), m.st.Muted.Render("cán bộ "+d.Operator))
		if i == m.draftIdx {
			b.WriteString(m.st.Selected.Render("› "+fmt.Sprintf("%-52s", name)) + " " + m.clock(d.UpdatedAt, "15:04 02/01/2006") + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
	}
	return b.String()
}

// maskSensitive hides a sensitive value (ethnicity, religion) from a volunteer
// (whose look-ups come without it: see counter's rights table).
func (m Model) maskSensitive(v string) string {
	if m.isVolunteer() {
		return "••••"
	}
	return v
}

func (m Model) viewCards() string {
	var b strings.Builder
	b.WriteString(m.st.Subtitle.Render("Chạm thẻ — "+m.opt.Reader.Name()) + "\n")
	b.WriteString(m.st.Muted.Render("Chọn thẻ đặt lên đầu đọc: chip mô phỏng của người tổng hợp (bản demo), đọc và xác thực như thẻ thật.") + "\n\n")
	for i, c := range m.opt.Reader.Virtual() {
		line := fmt.Sprintf("%-12s  %-28s %s", c.ID, c.Name, m.st.Muted.Render(c.Note))
		if i == m.cardIdx {
			line = m.st.Selected.Render("› "+fmt.Sprintf("%-12s  %-28s", c.ID, c.Name)) + " " + c.Note
		} else {
			line = "  " + line
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

func (m Model) viewResident() string {
	r := m.resident
	if r == nil {
		return ""
	}
	c := r.Citizen
	var b strings.Builder
	b.WriteString(m.st.Subtitle.Render("Bước 2 — Thông tin công dân") + "  ")
	b.WriteString(sourceTag(m.st, m.opt.Location, m.origin.Source, m.origin.FetchedAt))
	if m.card != nil {
		b.WriteString(" " + sourceTag(m.st, m.opt.Location, m.cardSource, m.origin.FetchedAt))
	}
	b.WriteString("\n\n")
	if m.cardSource == "card" && m.chip != nil {
		b.WriteString(m.chipVerdict() + "  " + m.chipChecks() + "\n")
	}
	if r.Deceased() {
		b.WriteString(m.st.Error.Render("CÔNG DÂN ĐÃ MẤT ngày "+r.DeathDate.String()+" (theo CSDL).") + "\n\n")
	}
	if m.origin.Source == "cache" {
		b.WriteString(m.st.Warn.Render(fmt.Sprintf("Mất kết nối: đang dùng dữ liệu lưu tạm lúc %s.",
			m.clock(m.origin.FetchedAt, "15:04 02/01/2006"))) + "\n\n")
	}
	left := []string{
		m.field("Họ, chữ đệm và tên", c.FullName),
		m.field("Số định danh", c.ID),
		m.field("Ngày sinh", c.BirthDate.String()),
		m.field("Giới tính", string(c.Sex)),
		m.field("Dân tộc / Quốc tịch", m.maskSensitive(c.Ethnicity)+" / "+c.Nationality),
		m.field("Tình trạng hôn nhân", r.MaritalStatus.Label()),
	}
	if r.Spouse != nil {
		left = append(left, m.field("Vợ/chồng", r.Spouse.FullName))
	}
	b.WriteString(strings.Join(left, "\n") + "\n")
	if m.card != nil {
		if m.card.FullName != "" && m.card.FullName != c.FullName {
			switch v := vntext.CompareNames(m.card.FullName, c.FullName); {
			case v.Same():
				b.WriteString(m.st.Warn.Render(fmt.Sprintf("Tên trên thẻ «%s» chỉ khác CSDL «%s» ở cách đặt dấu: là cùng một tên.",
					m.card.FullName, c.FullName)) + "\n")
			case v == vntext.NamesUnmarked:
				b.WriteString(m.st.Warn.Render(fmt.Sprintf("Tên trên thẻ «%s» viết không dấu; tên trong CSDL là «%s»: dùng tên trong CSDL.",
					m.card.FullName, c.FullName)) + "\n")
			case m.cardSource != "qr" || len(m.qrWarnings) == 0:
				b.WriteString(m.st.Error.Render(fmt.Sprintf("Tên trên thẻ «%s» khác tên trong CSDL «%s»: kiểm tra lại giấy tờ.",
					m.card.FullName, c.FullName)) + "\n")
			}
		}
		for _, w := range m.qrWarnings {
			b.WriteString(m.st.Warn.Render(w) + "\n")
		}
	}
	b.WriteString("\n" + m.st.Subtitle.Render("Cư trú (từ CSDL, không cần giấy xác nhận cư trú)") + "\n")
	res := func(label string, x *lookups.Residence) {
		if x == nil {
			return
		}
		line := m.field(label, x.Address.String())
		if !x.Since.IsZero() {
			line += m.st.Muted.Render("  từ " + x.Since.String())
		}
		if !x.Until.IsZero() {
			line += m.st.Muted.Render(" đến " + x.Until.String())
		}
		b.WriteString(line + "\n")
		if old := x.Legacy.String(); old != "" {
			b.WriteString(m.st.Muted.Render(fmt.Sprintf("%-22s  (trước 2025: %s)", "", old)) + "\n")
		}
	}
	res("Thường trú", r.Permanent)
	res("Tạm trú", r.Temporary)
	res("Nơi ở hiện tại", r.CurrentPlace)
	if m.card != nil && m.card.CardAddress != "" {
		b.WriteString(m.st.Muted.Render(fmt.Sprintf("%-22s  %s", "Địa chỉ in trên thẻ", m.card.CardAddress)) + "\n")
	}
	if h := r.Household; h != nil {
		b.WriteString("\n" + m.st.Subtitle.Render("Hộ gia đình") + m.st.Muted.Render("  chủ hộ: "+h.Head.FullName+"  số hồ sơ cư trú: "+h.FileNumber) + "\n")
		for _, mem := range h.Members {
			mark := "  "
			if mem.ID == c.ID {
				mark = "› "
			}
			b.WriteString(fmt.Sprintf("%s%-12s %-28s %-10s %s\n", mark, mem.Relation, mem.FullName, mem.BirthDate.String(), mem.ID))
		}
	}
	return b.String()
}

func (m Model) viewServices() string {
	var b strings.Builder
	b.WriteString(m.st.Subtitle.Render("Bước 3 — Chọn thủ tục") + "\n\n")
	for i, s := range m.opt.Backend.Services() {
		line := fmt.Sprintf("%s  %s", s.Name, m.st.Muted.Render(fmt.Sprintf("(%d ngày làm việc)", s.ProcessingDays)))
		if i == m.svcIdx {
			b.WriteString(m.st.Selected.Render("› "+s.Name) + " " + m.st.Muted.Render(fmt.Sprintf("(%d ngày làm việc)", s.ProcessingDays)) + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
	}
	return b.String()
}

func (m Model) viewReview() string {
	f := m.form
	var b strings.Builder
	b.WriteString(m.st.Subtitle.Render("Bước 5 — Xem lại trước khi tiếp nhận: "+f.spec.Name) + "\n\n")
	procs := f.decl.Procedures()
	if len(procs) > 0 {
		b.WriteString(m.st.Label.Render("Thủ tục") + "\n")
		for _, p := range procs {
			days := "trong ngày"
			if p.ProcessingDays > 0 {
				days = fmt.Sprintf("%d ngày làm việc", p.ProcessingDays)
			}
			b.WriteString(fmt.Sprintf("  • %s — %s (%s)\n", p.Name, p.Agency, days))
		}
	}
	// what the citizen hands over and the residence note first: the long
	// field list follows (PgDn)
	b.WriteString(m.st.Label.Render("Giấy tờ công dân nộp") + "\n")
	for _, d := range f.decl.Documents() {
		b.WriteString("  • " + documentLine(d) + "\n")
	}
	for _, n := range f.decl.Notes() {
		b.WriteString(m.st.Warn.Render("⚠ "+n) + "\n")
	}
	b.WriteString(m.st.OK.Render("Thông tin cư trú lấy từ CSDL quốc gia về dân cư: không yêu cầu giấy xác nhận cư trú (CT07/CT08).") + "\n\n")
	b.WriteString(m.st.Label.Render("Người trong tờ khai") + "\n")
	for _, p := range f.spec.Persons() {
		if _, ok := f.decl.Person(p.ID); ok && f.decl.PersonRelevant(p.ID) {
			b.WriteString(fmt.Sprintf("  %s %s\n", padRight(p.Label, 34), f.slotText(p.ID)))
		}
	}
	section := ""
	for _, r := range f.rows {
		switch r.kind {
		case rowSection:
			section = r.title
		case rowGroupRow:
			b.WriteString("  " + m.st.Label.Render(r.title) + "\n")
		case rowField:
			v := f.display(r)
			if v == "" {
				continue
			}
			if section != "" {
				b.WriteString(m.st.Label.Render(section) + "\n")
				section = ""
			}
			b.WriteString(fmt.Sprintf("  %s %s %s\n", padRight(r.title, 34), v, f.sourceOf(r.path)))
		}
	}
	return b.String()
}

func documentLine(d forms.Document) string {
	kind := "bản sao"
	if d.Original {
		kind = "bản chính"
	}
	n := d.Count
	if n == 0 {
		n = 1
	}
	return fmt.Sprintf("%s (%s, %d)", d.Name, kind, n)
}

func (m Model) viewReceipt() string {
	o := m.outcome
	d := o.Dossier
	var b strings.Builder
	b.WriteString(m.st.OK.Render("Đã tiếp nhận hồ sơ") + "\n\n")
	b.WriteString(m.field("Mã hồ sơ", m.st.Code.Render(d.Code)) + "\n")
	b.WriteString(m.field("Hồ sơ", d.ServiceName) + "\n")
	b.WriteString(m.field("Công dân", d.Subject.FullName) + "\n")
	b.WriteString(m.field("Tiếp nhận lúc", m.clock(d.ReceivedAt, "15:04 02/01/2006")) + "\n")
	for _, p := range d.Procedures {
		b.WriteString(m.field("Hẹn trả", m.clock(p.Appointment, "15:04 ngày 02/01/2006")+" — "+p.Name+" ("+p.Agency+")") + "\n")
	}
	switch {
	case o.Submitted:
		b.WriteString(m.field("Gửi lên hệ thống", m.st.OK.Render("đã gửi")) + "\n")
	case d.Status == forms.StatusQueued:
		b.WriteString(m.field("Gửi lên hệ thống", m.st.Warn.Render("chưa gửi được — hồ sơ đã lưu trên máy và sẽ được gửi lại. "+m.explain(o.SubmitErr))) + "\n")
	default:
		b.WriteString(m.field("Gửi lên hệ thống", m.st.Error.Render("bị từ chối — "+m.explain(o.SubmitErr))) + "\n")
	}
	if o.PrintErr != nil {
		b.WriteString(m.field("Giấy biên nhận", m.st.Error.Render("chưa in được (đã lưu để in lại): "+m.explain(o.PrintErr))) + "\n")
	} else {
		b.WriteString(m.field("Giấy biên nhận", o.ReceiptPath) + "\n")
	}
	for _, w := range o.Warnings {
		b.WriteString("\n" + m.st.Warn.Render("⚠ "+w) + "\n")
	}
	b.WriteString("\n" + m.st.Muted.Render("Nhấn Enter để xóa màn hình và phục vụ công dân tiếp theo.") + "\n")
	return b.String()
}
