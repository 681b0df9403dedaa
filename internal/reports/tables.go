package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/printing"
)

// The report as tables: one layout for the terminal, the workbook and the PDF, so that every
// figure reads the same in each. The layout follows the categories of the domain reference
// (../shared/domain, section 6: received online / in person / by post, settled early / on time
// / late, pending within / past their deadline); no official statistical form ("Biểu") could be
// confirmed, see docs/REPORTS.md.

// Cell is one value of a table: its text as printed, and its number for a workbook (Num false:
// text only).
type Cell struct {
	Text  string
	Value float64
	Num   bool
	// Percent: Value is a share (0..1), written as a percentage. Money: Value is in đồng,
	// written with thousands separators.
	Percent bool
	Money   bool
}

// Row is a labelled row of cells.
type Row struct {
	Label string
	Cells []Cell
	Total bool // the total row
}

// Chart is the data of a table's chart: one bar (or point) per label.
type Chart struct {
	Title  string
	Labels []string
	Values []float64
	Line   bool // a line over days rather than bars
}

// Table is one section of the report.
type Table struct {
	Key     string // a short name ("dossiers", "channels"…), for the sheet and the screen
	Title   string
	Columns []string // the labels' column first
	Rows    []Row
	Chart   *Chart
}

func num(n int) Cell { return Cell{Text: printing.FormatCount(n), Value: float64(n), Num: true} }

func pct(s Share) Cell {
	return Cell{Text: Percent(s.Share), Value: s.Share, Num: true, Percent: true}
}

func text(s string) Cell { return Cell{Text: s} }

func dur(secs float64) Cell {
	s := int(math.Round(secs))
	return Cell{Text: fmt.Sprintf("%s:%02d", printing.FormatCount(s/60), s%60), Value: math.Round(secs), Num: true}
}

// Percent writes a share as a Vietnamese percentage with one decimal ("87,5 %").
func Percent(x float64) string {
	return strings.Replace(strconv.FormatFloat(math.Round(x*1000)/10, 'f', 1, 64), ".", ",", 1) + " %"
}

// hundredths writes x with two decimals, Vietnamese style: thousands grouped with dots, a
// decimal comma ("1.234,50").
func hundredths(x float64) string {
	c := int64(math.Round(x * 100))
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return sign + printing.FormatMoney(c/100) + "," + fmt.Sprintf("%02d", c%100)
}

// PeriodLabel is the period in words ("Từ ngày 01/11/2026 đến ngày 30/11/2026").
func PeriodLabel(r *Report) string {
	first, last := lookups.DateOf(r.From), lookups.DateOf(r.To.AddDate(0, 0, -1))
	if first == last {
		return "Ngày " + first.String()
	}
	return "Từ ngày " + first.String() + " đến ngày " + last.String()
}

// Tables lays the report out.
func Tables(r *Report) []Table {
	var out []Table

	// dossiers: received, settled, pending, by service
	dt := Table{Key: "hoso", Title: "1. Tình hình tiếp nhận và giải quyết hồ sơ",
		Columns: []string{"Thủ tục", "Kỳ trước chuyển sang", "Tiếp nhận trong kỳ", "Đã giải quyết", "- trước hạn", "- đúng hạn", "- quá hạn",
			"Đang giải quyết", "- trong hạn", "- quá hạn", "Dừng", "Rút"}}
	row := func(label string, n Counts, total bool) Row {
		return Row{Label: label, Total: total, Cells: []Cell{num(n.CarriedOver), num(n.Received), num(n.Settled), num(n.Early), num(n.OnTime),
			num(n.Late), num(n.Pending), num(n.PendingInTime), num(n.PendingLate), num(n.Stopped), num(n.Withdrawn)}}
	}
	chart := &Chart{Title: "Hồ sơ tiếp nhận trong kỳ theo thủ tục"}
	for _, s := range r.Services {
		dt.Rows = append(dt.Rows, row(s.Name, s.Counts, false))
		chart.Labels, chart.Values = append(chart.Labels, s.Name), append(chart.Values, float64(s.Received))
	}
	dt.Rows = append(dt.Rows, row("Tổng cộng", r.Totals, true))
	dt.Chart = chart
	out = append(out, dt)

	// channels
	ct := Table{Key: "kenh", Title: "2. Hồ sơ tiếp nhận trong kỳ theo hình thức", Columns: []string{"Hình thức", "Số hồ sơ", "Tỷ lệ"},
		Chart: &Chart{Title: "Hồ sơ theo hình thức tiếp nhận"}}
	for _, c := range r.Channels {
		ct.Rows = append(ct.Rows, Row{Label: capital(c.Label), Cells: []Cell{num(c.N), pct(share(c.N, r.Totals.Received))}})
		ct.Chart.Labels, ct.Chart.Values = append(ct.Chart.Labels, capital(c.Label)), append(ct.Chart.Values, float64(c.N))
	}
	ct.Rows = append(ct.Rows, Row{Label: "Tổng cộng", Total: true, Cells: []Cell{num(r.Totals.Received), pct(share(r.Totals.Received, r.Totals.Received))}})
	out = append(out, ct)

	// timeliness
	tt := Table{Key: "tiendo", Title: "3. Tiến độ giải quyết", Columns: []string{"Kết quả", "Số hồ sơ", "Tỷ lệ"},
		Chart: &Chart{Title: "Tiến độ giải quyết"}}
	settled := r.Totals.Settled
	pend := r.Totals.Pending
	for _, x := range []struct {
		label string
		n, of int
	}{{"Giải quyết trước hạn", r.Totals.Early, settled}, {"Giải quyết đúng hạn", r.Totals.OnTime, settled},
		{"Giải quyết quá hạn", r.Totals.Late, settled}, {"Đang giải quyết trong hạn", r.Totals.PendingInTime, pend},
		{"Đang giải quyết quá hạn", r.Totals.PendingLate, pend}} {
		tt.Rows = append(tt.Rows, Row{Label: x.label, Cells: []Cell{num(x.n), pct(share(x.n, x.of))}})
		tt.Chart.Labels, tt.Chart.Values = append(tt.Chart.Labels, x.label), append(tt.Chart.Values, float64(x.n))
	}
	out = append(out, tt)

	// supplements, refusals, stops, withdrawals
	st := Table{Key: "bosung", Title: "4. Yêu cầu bổ sung, từ chối, dừng, rút hồ sơ",
		Columns: []string{"Thủ tục", "Yêu cầu bổ sung tại quầy (Mẫu 02)", "Từ chối tiếp nhận (Mẫu 03)", "Yêu cầu bổ sung khi giải quyết", "Dừng giải quyết (Mẫu 05)", "Rút hồ sơ"}}
	srow := func(label string, n Counts, total bool) Row {
		return Row{Label: label, Total: total, Cells: []Cell{num(n.SupplementSlips), num(n.Refused), num(n.Supplement), num(n.Stopped), num(n.Withdrawn)}}
	}
	for _, s := range r.Services {
		if s.SupplementSlips+s.Refused+s.Supplement+s.Stopped+s.Withdrawn > 0 {
			st.Rows = append(st.Rows, srow(s.Name, s.Counts, false))
		}
	}
	st.Rows = append(st.Rows, srow("Tổng cộng", r.Totals, true))
	out = append(out, st)

	// satisfaction
	sa := r.Satisfaction
	sat := Table{Key: "hailong", Title: "5. Mức độ hài lòng (" + sa.Question + ")", Columns: []string{"Câu trả lời", "Số ý kiến", "Tỷ lệ"},
		Chart: &Chart{Title: "Ý kiến đánh giá của công dân"}}
	for _, o := range sa.Options {
		sat.Rows = append(sat.Rows, Row{Label: o.Label, Cells: []Cell{num(o.N), pct(share(o.N, sa.Rated))}})
		sat.Chart.Labels, sat.Chart.Values = append(sat.Chart.Labels, o.Label), append(sat.Chart.Values, float64(o.N))
	}
	sat.Rows = append(sat.Rows, Row{Label: "Hài lòng và rất hài lòng", Total: true, Cells: []Cell{num(sa.Satisfied), pct(share(sa.Satisfied, sa.Rated))}},
		Row{Label: "Tổng số ý kiến", Total: true, Cells: []Cell{num(sa.Rated), text("")}})
	out = append(out, sat)

	// look-ups
	lk := Table{Key: "tracuu", Title: "6. Tra cứu Cơ sở dữ liệu quốc gia về dân cư", Columns: []string{"Tra cứu", "Số lượt", "Tỷ lệ"},
		Chart: &Chart{Title: "Lượt tra cứu theo cán bộ"}}
	total := r.Lookups.Total
	for _, x := range r.Lookups.ByPurpose {
		lk.Rows = append(lk.Rows, Row{Label: "Mục đích: " + x.Label, Cells: []Cell{num(x.N), pct(share(x.N, total))}})
	}
	for _, x := range r.Lookups.ByOperator {
		lk.Rows = append(lk.Rows, Row{Label: "Cán bộ: " + x.Label, Cells: []Cell{num(x.N), pct(share(x.N, total))}})
		lk.Chart.Labels, lk.Chart.Values = append(lk.Chart.Labels, x.Label), append(lk.Chart.Values, float64(x.N))
	}
	for _, x := range r.Lookups.ByOutcome {
		lk.Rows = append(lk.Rows, Row{Label: "Kết quả: " + x.Label, Cells: []Cell{num(x.N), pct(share(x.N, total))}})
	}
	lk.Rows = append(lk.Rows, Row{Label: "Tổng số lượt tra cứu", Total: true, Cells: []Cell{num(total), text("")}},
		Row{Label: "Lượt đọc thẻ căn cước gắn chip", Cells: []Cell{num(r.Lookups.CardReads), text("")}})
	out = append(out, lk)

	// Đề án 06
	d := r.DeAn06
	da := Table{Key: "dean06", Title: "7. Đề án 06: hồ sơ tiếp nhận tại quầy này", Columns: []string{"Chỉ tiêu", "Số hồ sơ", "Trên tổng số", "Tỷ lệ"},
		Chart: &Chart{Title: "Cách xác định công dân"}}
	frac := func(label string, s Share) Row {
		return Row{Label: label, Cells: []Cell{num(s.N), num(s.Of), pct(s)}}
	}
	da.Rows = append(da.Rows,
		frac("Thông tin cư trú lấy từ CSDL, không yêu cầu CT07/CT08", d.FromDatabase),
		frac("  - lấy trực tiếp từ CSDL", share(d.ResidenceLive, d.WithResidence)),
		frac("  - lấy từ bản lưu tạm khi mất kết nối", share(d.ResidenceCache, d.WithResidence)),
		frac("  - cán bộ nhập tay", share(d.ResidenceTyped, d.WithResidence)),
		frac("  - theo địa chỉ in trên thẻ", share(d.ResidenceCard, d.WithResidence)),
		frac("Có giấy CT07/CT08 trong thành phần hồ sơ", share(d.PaperAsked, d.Known)),
		frac("Xác định công dân bằng thẻ gắn chip", d.ByChip),
		frac(idChip, share(d.Chip, d.Known)),
		frac(idSigned, share(d.Signed, d.Known)),
		frac(idQR, share(d.QR, d.Known)),
		frac(idTyped, share(d.Typed, d.Known)),
		frac("Phục vụ bằng bản lưu tạm khi mất kết nối", d.FromCache),
		Row{Label: "Bản lưu tạm cũ nhất đã dùng (giờ)", Cells: []Cell{{Text: hundredths(d.OldestCache / 3600),
			Value: math.Round(d.OldestCache/36) / 100, Num: true}, text(""), text("")}},
		Row{Label: "Hồ sơ có ghi nhận cách tiếp nhận", Total: true, Cells: []Cell{num(d.Known), num(d.Received), pct(share(d.Known, d.Received))}})
	for _, x := range []struct {
		l string
		n int
	}{{idChip, d.Chip}, {idSigned, d.Signed}, {idQR, d.QR}, {idTyped, d.Typed}} {
		da.Chart.Labels, da.Chart.Values = append(da.Chart.Labels, x.l), append(da.Chart.Values, float64(x.n))
	}
	out = append(out, da)

	// time at the counter
	tc := Table{Key: "thoigian", Title: "8. Thời gian tại quầy, từ khi xác định công dân đến khi có giấy tiếp nhận (phút:giây)",
		Columns: []string{"Thủ tục", "Số hồ sơ đo được", "Trung vị", "90 % hồ sơ không quá"},
		Chart:   &Chart{Title: "Trung vị thời gian tại quầy theo thủ tục (giây)"}}
	for i, c := range r.CounterTime {
		tc.Rows = append(tc.Rows, Row{Label: c.Name, Total: i == 0, Cells: []Cell{num(c.N), dur(c.Median), dur(c.P90)}})
		if i > 0 {
			tc.Chart.Labels, tc.Chart.Values = append(tc.Chart.Labels, c.Name), append(tc.Chart.Values, math.Round(c.Median))
		}
	}
	out = append(out, tc)

	// days
	dy := Table{Key: "ngay", Title: "9. Theo ngày", Columns: []string{"Ngày", "Tiếp nhận", "Có kết quả", "Lượt tra cứu"},
		Chart: &Chart{Title: "Hồ sơ tiếp nhận theo ngày", Line: true}}
	for _, x := range r.Days {
		day, _ := lookups.ParseISODate(x.Date)
		dy.Rows = append(dy.Rows, Row{Label: day.String(), Cells: []Cell{num(x.Received), num(x.Settled), num(x.Lookups)}})
		dy.Chart.Labels, dy.Chart.Values = append(dy.Chart.Labels, day.String()), append(dy.Chart.Values, float64(x.Received))
	}
	out = append(out, dy)

	// fees
	fe := Table{Key: "phi", Title: "10. Phí, lệ phí thu tại quầy này",
		Columns: []string{"Thủ tục", "Số trường hợp", "Số bản sao / thủ tục", "Số tiền thu (đồng)", "Miễn", "Chưa có mức thu"},
		Chart:   &Chart{Title: "Số tiền thu theo thủ tục (đồng)"}}
	frow := func(label string, n counter.FeeCount, total bool) Row {
		return Row{Label: label, Total: total, Cells: []Cell{num(n.Cases), num(n.Units), money(n.Amount), num(n.Exempt), num(n.Unknown)}}
	}
	fs := r.Fees
	fe.Rows = append(fe.Rows, frow(fs.Certifications.Name, fs.Certifications.FeeCount, false))
	fe.Chart.Labels, fe.Chart.Values = append(fe.Chart.Labels, fs.Certifications.Name), append(fe.Chart.Values, float64(fs.Certifications.Amount))
	for _, p := range fs.Procedures {
		fe.Rows = append(fe.Rows, frow(p.Name, p.FeeCount, false))
		fe.Chart.Labels, fe.Chart.Values = append(fe.Chart.Labels, p.Name), append(fe.Chart.Values, float64(p.Amount))
	}
	all := fs.Dossiers
	all.Cases += fs.Certifications.Cases
	all.Units += fs.Certifications.Units
	all.Amount = fs.Total
	all.Exempt += fs.Certifications.Exempt
	all.Unknown += fs.Certifications.Unknown
	fe.Rows = append(fe.Rows, frow("Tổng cộng", all, true))
	out = append(out, fe)
	return out
}

// money is an amount in đồng as printed (1.234.567) and as a number.
func money(n int64) Cell {
	return Cell{Text: printing.FormatMoney(n), Value: float64(n), Num: true, Money: true}
}

// The identity rows of the Đề án 06 table (and its chart's labels).
const (
	idChip   = "Thẻ gắn chip, chip xác thực là thẻ gốc"
	idSigned = "Thẻ gắn chip, chỉ xác thực chữ ký dữ liệu"
	idQR     = "Quét mã QR trên thẻ"
	idTyped  = "Nhập số định danh"
)

func capital(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}

// Notes are the lines under the report's title: the sources and what they do not hold.
func Notes(r *Report) []string {
	var out []string
	sync := "Danh sách hồ sơ của phường chưa từng được đồng bộ từ cổng: chỉ có hồ sơ tiếp nhận tại máy này."
	if !r.SyncedAt.IsZero() {
		sync = "Danh sách hồ sơ của phường đồng bộ từ cổng lúc " + r.SyncedAt.In(r.From.Location()).Format("15:04 02/01/2006") + "."
	}
	if r.Offline {
		sync += " Không kết nối được cổng khi lập báo cáo: số liệu các quầy khác có thể chưa đầy đủ."
	}
	out = append(out, sync,
		fmt.Sprintf("Hồ sơ tiếp nhận trong kỳ: %s tại quầy này, %s tại các quầy khác của phường.", printing.FormatCount(r.Local), printing.FormatCount(r.Remote)),
		"Hồ sơ đang giải quyết tính đến "+r.AsOf.In(r.From.Location()).Format("15:04 02/01/2006")+"; đánh giá hài lòng gồm ý kiến tại mọi quầy của phường (danh sách từ cổng); chỉ tiêu Đề án 06, thời gian tại quầy, tra cứu và phí, lệ phí chỉ gồm số liệu của quầy này.")
	return out
}
