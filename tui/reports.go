package tui

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"motcua/internal/counter"
	"motcua/internal/reports"
	"motcua/lookups"
	"motcua/offline"
)

// The leadership's screen (F6 from the identify screen; the report's use case refuses anyone
// but a supervisor): a period (today, this week, this month, a range typed in), the summary
// with a sparkline of the days, and one table of the report at a time with its bar chart.
// Charts are drawn here with plain block characters: the charting library for Bubble Tea
// (github.com/NimbleMarkets/ntcharts, v0.4.0 at the time) is built on Bubble Tea and Lip Gloss
// v1 and has no release for the v2 line this program uses. Bars and sparklines are characters,
// not colours: they read on a monochrome terminal and in the goldens.

// Reports makes the leadership's report of a period (internal/reports: the supervisor's
// right is checked there).
type Reports interface {
	Report(ctx context.Context, op Operator, p reports.Period) (*reports.Report, error)
}

type reportKeys struct {
	Today, Week, Month, Range, Next, Prev, Down, Up, Back, Open key.Binding
}

func defaultReportKeys() reportKeys {
	return reportKeys{
		Open:  bind([]string{"f6"}, "F6", "báo cáo"),
		Today: bind([]string{"1"}, "1", "hôm nay"),
		Week:  bind([]string{"2"}, "2", "tuần này"),
		Month: bind([]string{"3"}, "3", "tháng này"),
		Range: bind([]string{"4"}, "4", "khoảng ngày"),
		Next:  bind([]string{"right", "tab"}, "→", "bảng sau"),
		Prev:  bind([]string{"left", "shift+tab"}, "←", "bảng trước"),
		Down:  bind([]string{"down", "pgdown"}, "↓", "cuộn"),
		Up:    bind([]string{"up", "pgup"}, "↑", "cuộn lên"),
		Back:  bind([]string{"esc"}, "esc", "quay lại"),
	}
}

type reportMsg struct {
	seq    int
	label  string
	r      *reports.Report
	err    error
	period reports.Period
}

type reportsScreen struct {
	f       *frame
	keys    reportKeys
	r       *reports.Report
	label   string // the period's name ("Tuần này")
	tables  []reports.Table
	section int
	scroll  int
	typing  bool   // a range is being typed
	typed   string // "01/11/2026 30/11/2026"
}

func newReportsScreen(f *frame) *reportsScreen {
	return &reportsScreen{f: f, keys: defaultReportKeys()}
}

// open shows the screen with this month's report.
func (s *reportsScreen) open() tea.Cmd {
	return s.load("Tháng này", reports.ThisMonth(s.f.now().In(s.f.loc)))
}

func (s *reportsScreen) load(label string, p reports.Period) tea.Cmd {
	src := s.f.be
	op, seq := s.f.op, s.f.seq
	return s.f.io("Đang lập báo cáo (đồng bộ danh sách hồ sơ của phường)…", 60*time.Second, func(ctx context.Context) tea.Msg {
		r, err := src.Report(ctx, op, p)
		return reportMsg{seq: seq, label: label, r: r, err: err, period: p}
	})
}

func (s *reportsScreen) onReport(msg reportMsg) tea.Cmd {
	if !s.f.settle(msg.seq) {
		return nil
	}
	if msg.err != nil {
		s.f.fail("Chưa lập được báo cáo: " + s.f.explain(msg.err))
		return nil
	}
	s.r, s.label, s.tables, s.scroll = msg.r, msg.label, reports.Tables(msg.r), 0
	s.section = min(s.section, len(s.tables)-1)
	s.f.screen = scrReports
	s.f.clear()
	if msg.r.Offline {
		s.f.say("Không kết nối được cổng: số liệu các quầy khác theo danh sách đã đồng bộ trên máy.")
	}
	return nil
}

func (s *reportsScreen) help() []key.Binding {
	k := s.keys
	if s.typing {
		return []key.Binding{bind([]string{"enter"}, "enter", "lập báo cáo"), bind([]string{"esc"}, "esc", "thôi")}
	}
	return []key.Binding{k.Back, k.Next, k.Down, k.Today, k.Week, k.Month, k.Range}
}

func (s *reportsScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if s.typing {
		return s.typeRange(k)
	}
	now := s.f.now().In(s.f.loc)
	switch {
	case key.Matches(k, s.keys.Back):
		s.f.screen = scrIdentify
		s.f.clear()
	case key.Matches(k, s.keys.Today):
		return s.load("Hôm nay", reports.Today(now))
	case key.Matches(k, s.keys.Week):
		return s.load("Tuần này", reports.ThisWeek(now))
	case key.Matches(k, s.keys.Month):
		return s.load("Tháng này", reports.ThisMonth(now))
	case key.Matches(k, s.keys.Range):
		s.typing, s.typed = true, ""
		s.f.say("Gõ ngày đầu và ngày cuối (DD/MM/YYYY DD/MM/YYYY) rồi nhấn Enter.")
	case key.Matches(k, s.keys.Next) && len(s.tables) > 0:
		s.section, s.scroll = (s.section+1)%len(s.tables), 0
	case key.Matches(k, s.keys.Prev) && len(s.tables) > 0:
		s.section, s.scroll = (s.section+len(s.tables)-1)%len(s.tables), 0
	case key.Matches(k, s.keys.Down):
		s.scroll++
	case key.Matches(k, s.keys.Up):
		s.scroll = max(0, s.scroll-1)
	}
	return nil
}

// typeRange takes the keys of a range being typed: digits, "/", a space or "-" between the
// dates; Enter makes the report.
func (s *reportsScreen) typeRange(k tea.KeyPressMsg) tea.Cmd {
	switch k.String() {
	case "esc":
		s.typing = false
		s.f.clear()
		return nil
	case "backspace":
		if r := []rune(s.typed); len(r) > 0 {
			s.typed = string(r[:len(r)-1])
		}
		return nil
	case "enter":
		p, label, err := parseRange(s.typed, s.f.loc)
		if err != "" {
			s.f.fail(err)
			return nil
		}
		s.typing = false
		return s.load(label, p)
	}
	if t := k.Text; len(t) == 1 && strings.ContainsAny(t, "0123456789/ -") && len(s.typed) < 30 {
		s.typed += t
	}
	return nil
}

// parseRange reads "DD/MM/YYYY DD/MM/YYYY" (or with "-"): the period, its name, or what is
// wrong in Vietnamese.
func parseRange(text string, loc *time.Location) (reports.Period, string, string) {
	parts := strings.Fields(strings.ReplaceAll(text, "-", " "))
	if len(parts) != 2 {
		return reports.Period{}, "", "Cần hai ngày: ngày đầu và ngày cuối, dạng DD/MM/YYYY DD/MM/YYYY."
	}
	from, err1 := lookups.ParseDate(parts[0])
	to, err2 := lookups.ParseDate(parts[1])
	switch {
	case err1 != nil || err2 != nil:
		return reports.Period{}, "", "Ngày phải dạng DD/MM/YYYY, ví dụ 01/11/2026 30/11/2026."
	case to.Before(from):
		return reports.Period{}, "", "Ngày cuối phải từ ngày đầu trở đi."
	}
	p := reports.Days(from, to, loc)
	if p.To.Sub(p.From) > reports.MaxDays*24*time.Hour {
		return reports.Period{}, "", fmt.Sprintf("Kỳ báo cáo dài quá %d ngày: chọn kỳ ngắn hơn.", reports.MaxDays)
	}
	return p, "Khoảng ngày", ""
}

func (s *reportsScreen) view(width, height int) string {
	st := s.f.st
	var b strings.Builder
	if s.typing {
		b.WriteString(st.Subtitle.Render("Báo cáo theo khoảng ngày") + "\n\n")
		b.WriteString("Từ ngày – đến ngày: " + s.typed + "_\n")
		return b.String()
	}
	r := s.r
	if r == nil {
		return st.Muted.Render("Chưa có báo cáo.")
	}
	n := r.Totals
	title := fmt.Sprintf("Báo cáo %s: %s", strings.ToLower(s.label), strings.ToLower(reports.PeriodLabel(r)[:1])+reports.PeriodLabel(r)[1:])
	b.WriteString(st.Subtitle.Render(clipCells(title, width)) + "\n")
	synced := "danh sách phường chưa đồng bộ"
	if !r.SyncedAt.IsZero() {
		synced = "danh sách phường đồng bộ " + s.f.clock(r.SyncedAt, "15:04 02/01")
	}
	b.WriteString(st.Muted.Render(clipCells(fmt.Sprintf("Quầy này %d, quầy khác %d hồ sơ; %s", r.Local, r.Remote, synced), width)) + "\n")
	lines := []string{
		fmt.Sprintf("Tiếp nhận %d (trực tiếp %d, trực tuyến %d, bưu chính %d); kỳ trước chuyển sang %d", n.Received, n.InPerson, n.Online, n.Post, n.CarriedOver),
		fmt.Sprintf("Đã giải quyết %d: trước hạn %d, đúng hạn %d, quá hạn %d", n.Settled, n.Early, n.OnTime, n.Late),
		fmt.Sprintf("Đang giải quyết %d: trong hạn %d, quá hạn %d; dừng %d, rút %d", n.Pending, n.PendingInTime, n.PendingLate, n.Stopped, n.Withdrawn),
	}
	for _, l := range lines {
		// too long for the terminal: its second part on a line of its own, never a figure cut
		if first, rest, ok := strings.Cut(l, "; "); ok && cellWidth(l) > width {
			b.WriteString(clipCells(first, width) + "\n  " + clipCells(rest, width-2) + "\n")
			continue
		}
		b.WriteString(clipCells(l, width) + "\n")
	}
	var days []float64
	for _, d := range r.Days {
		days = append(days, float64(d.Received))
	}
	spark := "Theo ngày  " + sparkline(days, max(8, width-24))
	b.WriteString(clipCells(spark, width) + "\n")
	head := lipgloss.Height(b.String())
	if len(s.tables) == 0 {
		return b.String()
	}
	t := s.tables[s.section]
	b.WriteString("\n" + st.Subtitle.Render(clipCells(fmt.Sprintf("‹ %s › (%d/%d)", t.Title, s.section+1, len(s.tables)), width)) + "\n")
	body := tableLines(t, width)
	if t.Chart != nil && len(t.Chart.Labels) > 0 {
		body = append(body, "")
		if t.Chart.Line {
			body = append(body, clipCells(t.Chart.Title+": "+sparkline(t.Chart.Values, max(8, width-len([]rune(t.Chart.Title))-4)), width))
		} else {
			body = append(body, clipCells("Biểu đồ: "+t.Chart.Title, width))
			body = append(body, barLines(*t.Chart, width)...)
		}
	}
	room := max(1, height-head-2)
	s.scroll = min(s.scroll, max(0, len(body)-room))
	end := min(len(body), s.scroll+room)
	b.WriteString(strings.Join(body[s.scroll:end], "\n"))
	if end < len(body) {
		b.WriteString("\n" + st.Muted.Render(fmt.Sprintf("(còn %d dòng: ↓)", len(body)-end)))
	}
	return b.String()
}

// tableLines lays a table out in width cells: aligned columns when they fit, else each row
// as its label and then "column value" pairs wrapped.
func tableLines(t reports.Table, width int) []string {
	cells := func(r reports.Row) []string {
		out := make([]string, len(r.Cells))
		for i, c := range r.Cells {
			out[i] = c.Text
		}
		return out
	}
	ws := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		ws[i] = cellWidth(c)
	}
	ws[0] = 0
	for _, r := range t.Rows {
		ws[0] = max(ws[0], cellWidth(show(r.Label)))
		for i, c := range cells(r) {
			ws[i+1] = max(ws[i+1], cellWidth(c))
		}
	}
	rest := 0
	for _, w := range ws[1:] {
		rest += w + 2
	}
	label := min(ws[0], width-rest)
	var out []string
	if label >= min(16, ws[0]) {
		line := func(l string, cs []string) string {
			var b strings.Builder
			b.WriteString(padCells(clipCells(l, label), label))
			for i, c := range cs {
				b.WriteString("  " + strings.Repeat(" ", max(0, ws[i+1]-cellWidth(c))) + c)
			}
			return b.String()
		}
		out = append(out, line(t.Columns[0], t.Columns[1:]))
		for _, r := range t.Rows {
			out = append(out, line(show(r.Label), cells(r)))
		}
		return out
	}
	for _, r := range t.Rows {
		out = append(out, clipCells(show(r.Label), width))
		var cur strings.Builder
		cur.WriteString("  ")
		for i, c := range cells(r) {
			pair := strings.TrimPrefix(t.Columns[i+1], "- ") + " " + c
			if cellWidth(cur.String())+cellWidth(pair)+3 > width && cur.Len() > 2 {
				out = append(out, cur.String())
				cur.Reset()
				cur.WriteString("  ")
			}
			if cur.Len() > 2 {
				cur.WriteString(" · ")
			}
			cur.WriteString(pair)
		}
		out = append(out, cur.String())
	}
	return out
}

// barLines draws a chart as horizontal bars of full blocks, the value after each bar.
func barLines(c reports.Chart, width int) []string {
	lw := 0
	for _, l := range c.Labels {
		lw = max(lw, cellWidth(l))
	}
	lw = min(lw, max(10, width/3))
	maxV := 0.0
	for _, v := range c.Values {
		maxV = max(maxV, v)
	}
	room := max(4, width-lw-10)
	out := make([]string, len(c.Labels))
	for i, l := range c.Labels {
		n := 0
		if maxV > 0 {
			n = int(math.Round(c.Values[i] / maxV * float64(room)))
		}
		out[i] = padCells(clipCells(show(l), lw), lw) + " │" + strings.Repeat("█", n) + " " + formatValue(c.Values[i])
	}
	return out
}

func formatValue(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return counter.FormatMoney(int64(v)) // whole numbers grouped as printed: 40.000
	}
	return fmt.Sprintf("%.1f", v)
}

// sparkline draws values as eighth blocks (one cell each, the last width of them), the
// largest value a full block; zero is a space-like low bar so that every day has a cell.
func sparkline(vs []float64, width int) string {
	if len(vs) > width {
		vs = vs[len(vs)-width:]
	}
	marks := []rune("▁▂▃▄▅▆▇█")
	maxV := 0.0
	for _, v := range vs {
		maxV = max(maxV, v)
	}
	var b strings.Builder
	for _, v := range vs {
		i := 0
		if maxV > 0 {
			i = int(math.Round(v / maxV * float64(len(marks)-1)))
		}
		b.WriteRune(marks[i])
	}
	return fmt.Sprintf("%s  (cao nhất %s)", b.String(), formatValue(maxV))
}

func cellWidth(s string) int { return lipgloss.Width(s) }

func clipCells(s string, w int) string {
	if cellWidth(s) <= w {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 && cellWidth(string(rs))+1 > w {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "…"
}

func padCells(s string, w int) string { return s + strings.Repeat(" ", max(0, w-cellWidth(s))) }

// supervisor reports whether the operator is a supervisor (the F6 hint is shown to them; the
// report's use case decides).
func (f *frame) supervisor() bool { return f.op.Role == offline.RoleSupervisor }
