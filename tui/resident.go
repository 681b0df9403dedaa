package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"motcua/forms"
	"motcua/lookups"
	"motcua/lookups/card"
	"motcua/lookups/vntext"
	"motcua/tui/portrait"
)

// residentScreen is step 2: the citizen's identity (from the chip with its
// checks, or the QR code, or the database), residence from the database,
// household, marital status.
type residentScreen struct {
	f      *frame
	d      *desk
	keys   residentKeys
	scroll scroller
}

func newResidentScreen(f *frame, d *desk) *residentScreen {
	return &residentScreen{f: f, d: d, keys: defaultResidentKeys()}
}

func (s *residentScreen) onShow() tea.Cmd { s.scroll.top(); return nil }

func (s *residentScreen) help() []key.Binding {
	out := []key.Binding{}
	if r := s.d.v.resident; r != nil && !r.Deceased() {
		out = append(out, s.keys.Service)
	}
	out = append(out, s.keys.Next)
	if s.f.opt.Reader != nil {
		out = append(out, s.keys.ReadChip)
	}
	return append(out, s.scroll.keys.PageDown)
}

func (s *residentScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if s.scroll.update(k, s.f.height) {
		return nil
	}
	switch {
	case key.Matches(k, s.keys.ReadChip) && s.f.opt.Reader != nil && s.d.v.resident != nil:
		// the chip of the citizen found by QR or typed ID (its ID gives the CAN),
		// or the same card again after it left the reader
		if len(s.f.opt.Reader.Virtual()) > 0 {
			s.f.screen = scrCards
			return nil
		}
		return s.d.startChipRead("", card.KeyFromID(s.d.v.resident.Citizen.ID))
	case key.Matches(k, s.keys.Next):
		return s.d.reset()
	case key.Matches(k, s.keys.Service):
		return s.d.chooseService()
	}
	return nil
}

func (s *residentScreen) view(width, height int) string {
	return s.scroll.view(s.body(), height, &s.f.st)
}

// The portrait's box on the resident panel: cells, and where it starts on
// the screen (below the title bar, the status bar, a blank line, the
// panel's title and a blank line; after the frame's left padding).
const (
	portraitCols = 16
	portraitRows = 10
	portraitX    = 1
	portraitY    = 5
)

// portraitShown: the panel holds a chip's portrait and shows its top.
func (s *residentScreen) portraitShown() bool {
	return s.f.screen == scrResident && s.scroll.offset == 0 && s.d.v.cardSource == forms.SourceCard &&
		s.d.v.chip.res != nil && s.d.v.chip.res.Face != nil && s.f.opt.Portrait != portrait.Off
}

// placePortrait tells the portrait where its box is (from Update).
func (s *residentScreen) placePortrait() tea.Cmd {
	var cmd tea.Cmd
	s.f.pm, cmd = s.f.pm.SetBox(portraitX, portraitY, portraitCols, portraitRows, s.portraitShown())
	return cmd
}

func (s *residentScreen) body() string {
	f, v := s.f, &s.d.v
	r := v.resident
	if r == nil {
		return ""
	}
	c := r.Citizen
	var b strings.Builder
	b.WriteString(f.st.Subtitle.Render("Bước 2 — Thông tin công dân") + "  " + sourceTag(f, v.origin.Source, v.origin.FetchedAt))
	if v.card != nil {
		b.WriteString(" " + sourceTag(f, v.cardSource, time.Time{}))
	}
	b.WriteString("\n\n")
	var top strings.Builder // beside the portrait when there is one
	if v.cardSource == forms.SourceCard && v.chip.res != nil {
		top.WriteString(chipVerdict(f, v.chip.res) + "  " + chipChecks(f, v.chip))
	}
	if r.Deceased() {
		top.WriteString(f.st.Error.Render("CÔNG DÂN ĐÃ MẤT ngày "+r.DeathDate.String()+" (theo CSDL): không tiếp nhận hồ sơ cho chính người này.") + "\n\n")
	}
	if v.origin.Source == lookups.SourceCache {
		top.WriteString(f.st.Warn.Render(fmt.Sprintf("Mất kết nối: đang dùng dữ liệu lưu tạm lúc %s.",
			f.clock(v.origin.FetchedAt, "15:04 02/01/2006"))) + "\n\n")
	}
	// a volunteer's look-ups come without these values (counter's rights table)
	mask := func(x string) string {
		if f.volunteer() {
			return "••••"
		}
		return show(x)
	}
	left := []string{
		field(f, "Họ, chữ đệm và tên", show(c.FullName)),
		field(f, "Số định danh", show(c.ID)),
		field(f, "Ngày sinh", c.BirthDate.String()),
		field(f, "Giới tính", string(c.Sex)),
		field(f, "Dân tộc / Quốc tịch", mask(c.Ethnicity)+" / "+show(c.Nationality)),
		field(f, "Tình trạng hôn nhân", r.MaritalStatus.Label()),
	}
	if r.Spouse != nil {
		left = append(left, field(f, "Vợ/chồng", show(r.Spouse.FullName)))
	}
	top.WriteString(strings.Join(left, "\n") + "\n")
	if face := f.pm.View(); face != "" && s.portraitShown() {
		// the portrait at the left edge of its rows (tui/portrait's rule 4)
		width := max(20, f.width-2-portraitCols-2)
		b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, face, "  ", lipgloss.NewStyle().Width(width).Render(top.String())) + "\n")
	} else {
		b.WriteString(top.String())
	}
	if v.card != nil {
		if v.card.FullName != "" && v.card.FullName != c.FullName {
			switch n := vntext.CompareNames(v.card.FullName, c.FullName); {
			case n.Same():
				b.WriteString(f.st.Warn.Render(fmt.Sprintf("Tên trên thẻ «%s» chỉ khác CSDL «%s» ở cách đặt dấu: là cùng một tên.",
					show(v.card.FullName), show(c.FullName))) + "\n")
			case n == vntext.NamesUnmarked:
				b.WriteString(f.st.Warn.Render(fmt.Sprintf("Tên trên thẻ «%s» viết không dấu; tên trong CSDL là «%s»: dùng tên trong CSDL.",
					show(v.card.FullName), show(c.FullName))) + "\n")
			case v.cardSource != forms.SourceQR || len(v.qrWarnings) == 0:
				b.WriteString(f.st.Error.Render(fmt.Sprintf("Tên trên thẻ «%s» khác tên trong CSDL «%s»: kiểm tra lại giấy tờ.",
					show(v.card.FullName), show(c.FullName))) + "\n")
			}
		}
		for _, w := range v.qrWarnings {
			b.WriteString(f.st.Warn.Render(show(w)) + "\n")
		}
	}
	b.WriteString("\n" + f.st.Subtitle.Render("Cư trú (từ CSDL, không cần giấy xác nhận cư trú)") + "\n")
	res := func(label string, x *lookups.Residence) {
		if x == nil {
			return
		}
		line := field(f, label, show(x.Address.String()))
		if !x.Since.IsZero() {
			line += f.st.Muted.Render("  từ " + x.Since.String())
		}
		if !x.Until.IsZero() {
			line += f.st.Muted.Render(" đến " + x.Until.String())
		}
		b.WriteString(line + "\n")
		if old := x.Legacy.String(); old != "" {
			b.WriteString(f.st.Muted.Render(fmt.Sprintf("%-22s  (trước 2025: %s)", "", show(old))) + "\n")
		}
	}
	res("Thường trú", r.Permanent)
	res("Tạm trú", r.Temporary)
	res("Nơi ở hiện tại", r.CurrentPlace)
	if v.card != nil && v.card.CardAddress != "" {
		b.WriteString(f.st.Muted.Render(fmt.Sprintf("%-22s %s", "Địa chỉ in trên thẻ", show(v.card.CardAddress))) + "\n")
	}
	if h := r.Household; h != nil {
		b.WriteString("\n" + f.st.Subtitle.Render("Hộ gia đình") + f.st.Muted.Render("  chủ hộ: "+show(h.Head.FullName)+"  số hồ sơ cư trú: "+show(h.FileNumber)) + "\n")
		for _, mem := range h.Members {
			mark := "  "
			if mem.ID == c.ID {
				mark = "› "
			}
			fmt.Fprintf(&b, "%s%-12s %-28s %-10s %s\n", mark, show(mem.Relation), show(mem.FullName), mem.BirthDate.String(), show(mem.ID))
		}
	}
	return b.String()
}

// sourceTag marks where a value came from (lookups.ValueSource, the one
// vocabulary of the forms, the records and the look-ups): the card's chip or
// QR code, the database with the time of the answer (fresh, or from the cache
// with its day), the configuration, a default, a calculation. A typed value
// and an empty source have no tag.
func sourceTag(f *frame, src lookups.ValueSource, at time.Time) string {
	switch src {
	case lookups.SourceCard:
		return f.st.SourceCard.Render("[chip]")
	case lookups.SourceQR:
		return f.st.SourceCard.Render("[QR]")
	case lookups.SourceDatabase:
		return f.st.SourceDB.Render("[CSDL " + f.clock(at, "15:04") + "]")
	case lookups.SourceCache:
		return f.st.SourceOld.Render("[CSDL lưu tạm " + f.clock(at, "02/01 15:04") + "]")
	case lookups.SourceConfig:
		return f.st.Muted.Render("[cấu hình]")
	case lookups.SourceDefault:
		return f.st.Muted.Render("[mặc định]")
	case lookups.SourceCalculated:
		return f.st.Muted.Render("[tự tính]")
	}
	return ""
}
