package counter

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"motcua/forms"
	"motcua/internal/batchio"
)

// BookColumns are the book's columns (Mẫu 07; TT 01/2018's book, plus the stage, the
// timeliness, the channel and the counter the statistics need).
var BookColumns = []string{"TT", "Mã hồ sơ", "Tên thủ tục hành chính", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức",
	"Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết", "Ngày, giờ nhận hồ sơ", "Ngày hẹn trả kết quả", "Ngày có kết quả",
	"Ngày, giờ trả kết quả", "Người nhận kết quả", "Trạng thái", "Tiến độ", "Hình thức nộp", "Quầy", "Ghi chú"}

// BookCells are a row's cells in the order of BookColumns, as text.
func BookCells(r forms.BookRow) []string {
	t := func(v time.Time) string {
		if v.IsZero() {
			return ""
		}
		return v.Format("15:04 02/01/2006")
	}
	d := func(v time.Time) string {
		if v.IsZero() {
			return ""
		}
		return v.Format("02/01/2006")
	}
	return []string{strconv.Itoa(r.No), r.Code, r.ServiceName, strconv.Itoa(r.Count), r.Applicant, r.Address, r.Handler,
		t(r.ReceivedAt), d(r.Appointment), t(r.ResultAt), t(r.ReturnedAt), r.Receiver, r.Stage, r.Timeliness, r.Channel, r.Counter, r.Note}
}

// ExportBookXLSX writes the book to path (mode 0600): a title, the period and the filters,
// the columns, one row per dossier. Every cell is text formatted as text; a value a
// spreadsheet could read as a formula (batchio.FormulaLike: "=", "+", "-", "@"...) also gets
// the quote prefix, so editing it never runs it. The stream writer's temporary file (names
// in it, like the output) is kept in the output's folder and removed.
func ExportBookXLSX(path string, b forms.Book) error {
	title := []string{"SỔ THEO DÕI HỒ SƠ", b.ParentAgency + " — " + b.Agency}
	period := "Từ ngày " + dateOr(b.From, "…") + " đến ngày " + dateOr(b.To.Add(-time.Nanosecond), "…")
	if b.To.IsZero() {
		period = "Từ ngày " + dateOr(b.From, "…") + " đến nay"
	}
	lines := []string{title[0], title[1], period}
	if b.Filter != "" {
		lines = append(lines, "Lọc: "+b.Filter)
	}
	rows := make([][]string, len(b.Rows))
	for i, r := range b.Rows {
		rows[i] = BookCells(r)
	}
	return writeTableXLSX(path, "So theo doi ho so", lines, BookColumns,
		[]float64{6, 26, 36, 10, 26, 36, 30, 17, 12, 17, 17, 24, 18, 12, 12, 6, 36}, rows)
}

// writeTableXLSX writes a workbook of one sheet: the title lines, a blank row, the columns'
// header and the rows. Every cell is text formatted as text; a value a spreadsheet could read
// as a formula (batchio.FormulaLike: "=", "+", "-", "@"...) also gets the quote prefix, so
// editing it never runs it. The stream writer's temporary file (personal data in it, like
// the output) is kept in the output's folder and removed. The file is written with mode 0600.
func writeTableXLSX(path, sheet string, lines, columns []string, widths []float64, rows [][]string) (err error) {
	f := excelize.NewFile(excelize.Options{TmpDir: filepath.Dir(path)})
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	// the same look, made distinct (excelize merges identical styles) before its quote prefix is set
	guard, err := f.NewStyle(&excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
		Font: &excelize.Font{Color: "000000"}})
	if err != nil {
		return err
	}
	if guard == text {
		return errors.New("counter: the guarded style is the plain one")
	}
	if err := quotePrefix(f, guard); err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{WrapText: true, Horizontal: "center", Vertical: "center"}})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	cells := func(style int, vals []string) []any {
		out := make([]any, len(vals))
		for i, v := range vals {
			st := style
			if style == text && batchio.FormulaLike(v) {
				st = guard
			}
			out[i] = excelize.Cell{StyleID: st, Value: v}
		}
		return out
	}
	row := 1
	for _, l := range lines {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := sw.SetRow(cell, cells(text, []string{l})); err != nil {
			return err
		}
		row++
	}
	row++
	cell, _ := excelize.CoordinatesToCellName(1, row)
	if err := sw.SetRow(cell, cells(head, columns)); err != nil {
		return err
	}
	for _, r := range rows {
		row++
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := sw.SetRow(cell, cells(text, r)); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Write(out); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// quotePrefix sets the quote prefix of a cell style (excelize has no option for it): a
// value in such a cell stays text when edited.
func quotePrefix(f *excelize.File, style int) error {
	if f.Styles == nil || f.Styles.CellXfs == nil || style < 0 || style >= len(f.Styles.CellXfs.Xf) {
		return errors.New("counter: workbook style not found")
	}
	yes := true
	f.Styles.CellXfs.Xf[style].QuotePrefix = &yes
	return nil
}

func dateOr(t time.Time, or string) string {
	if t.IsZero() || t.Year() < 1900 {
		return or
	}
	return t.Format("02/01/2006")
}
