package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"motcua/internal/batchio"
	"motcua/internal/counter"
	"motcua/printing"
)

// Formats of the export, by the file's extension.
var Formats = []string{".xlsx", ".pdf"}

// ErrFormat is returned when the output's extension is none of Formats.
var ErrFormat = errors.New("reports: unsupported export format")

// FormatOf returns the format of path's extension (ErrFormat when not one of Formats).
func FormatOf(path string) (string, error) {
	ext := strings.ToLower(filepath.Ext(path))
	for _, f := range Formats {
		if ext == f {
			return f, nil
		}
	}
	return "", fmt.Errorf("%w: %q", ErrFormat, ext)
}

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Export writes the report to path, in the format of its extension (XLSX or PDF), mode 0600
// through a temporary file in the same folder renamed over path: a failed export leaves no
// half-written file.
func Export(path string, r *Report, agency counter.Agency) (err error) {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	switch format {
	case ".xlsx":
		err = WriteXLSX(&buf, r)
	default:
		err = WritePDF(&buf, r, agency)
	}
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".motcua-report-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// SheetNames are the workbook's sheets: the summary, then one per table.
func sheetName(t Table) string {
	names := map[string]string{"hoso": "Ho so", "kenh": "Hinh thuc", "tiendo": "Tien do", "bosung": "Bo sung tu choi",
		"hailong": "Hai long", "tracuu": "Tra cuu CSDL", "dean06": "De an 06", "thoigian": "Thoi gian tai quay", "ngay": "Theo ngay",
		"phi": "Phi le phi"}
	if n, ok := names[t.Key]; ok {
		return n
	}
	return t.Key
}

// WriteXLSX writes the report as a workbook: a sheet per table (title, period, the columns,
// the rows as numbers, amounts in đồng with thousands separators), each with its chart as a native Excel chart over its cells.
func WriteXLSX(w io.Writer, r *Report) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
		Border: []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}})
	if err != nil {
		return err
	}
	pctStyle, err := f.NewStyle(&excelize.Style{NumFmt: 10})
	if err != nil {
		return err
	}
	moneyStyle, err := f.NewStyle(&excelize.Style{NumFmt: 3}) // #,##0
	if err != nil {
		return err
	}
	textStyle, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	quoted, err := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Italic: false}, Alignment: &excelize.Alignment{Indent: 0}})
	if err != nil {
		return err
	}
	yes := true
	f.Styles.CellXfs.Xf[quoted].QuotePrefix = &yes
	label := func(sheet, cell, v string) error {
		st := textStyle
		if batchio.FormulaLike(v) {
			st = quoted
		}
		if err := f.SetCellStr(sheet, cell, v); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, cell, cell, st)
	}
	tables := Tables(r)
	for i, t := range tables {
		sheet := sheetName(t)
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sheet); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sheet); err != nil {
			return err
		}
		if err := label(sheet, "A1", t.Title); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheet, "A1", "A1", bold); err != nil {
			return err
		}
		if err := label(sheet, "A2", PeriodLabel(r)); err != nil {
			return err
		}
		const top = 4 // the header's row
		for c, title := range t.Columns {
			cell, _ := excelize.CoordinatesToCellName(c+1, top)
			if err := label(sheet, cell, title); err != nil {
				return err
			}
			if err := f.SetCellStyle(sheet, cell, cell, head); err != nil {
				return err
			}
		}
		for j, row := range t.Rows {
			y := top + 1 + j
			cell, _ := excelize.CoordinatesToCellName(1, y)
			if err := label(sheet, cell, row.Label); err != nil {
				return err
			}
			for c, v := range row.Cells {
				cell, _ := excelize.CoordinatesToCellName(c+2, y)
				switch {
				case v.Num:
					if err := f.SetCellFloat(sheet, cell, v.Value, -1, 64); err != nil {
						return err
					}
					if v.Percent {
						if err := f.SetCellStyle(sheet, cell, cell, pctStyle); err != nil {
							return err
						}
					}
					if v.Money {
						if err := f.SetCellStyle(sheet, cell, cell, moneyStyle); err != nil {
							return err
						}
					}
				case v.Text != "":
					if err := label(sheet, cell, v.Text); err != nil {
						return err
					}
				}
			}
			if row.Total {
				end, _ := excelize.CoordinatesToCellName(1, y)
				if err := f.SetCellStyle(sheet, end, end, bold); err != nil {
					return err
				}
			}
		}
		if err := f.SetColWidth(sheet, "A", "A", 48); err != nil {
			return err
		}
		last, _ := excelize.ColumnNumberToName(max(2, len(t.Columns)))
		if err := f.SetColWidth(sheet, "B", last, 14); err != nil {
			return err
		}
		if err := addChart(f, sheet, t, top, len(t.Columns)); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

// chartRows are the rows of t its chart draws (in the table's order): the rows whose label is
// one of the chart's labels, found in order.
func chartRows(t Table) []int {
	var rows []int
	k := 0
	for j, row := range t.Rows {
		if k < len(t.Chart.Labels) && (row.Label == t.Chart.Labels[k] || strings.HasSuffix(row.Label, ": "+t.Chart.Labels[k])) {
			rows = append(rows, j)
			k++
		}
	}
	if k != len(t.Chart.Labels) {
		return nil
	}
	return rows
}

// addChart adds t's chart as a native chart over the table's cells: the labels of column A
// and the chart's values in their column, beside the table.
func addChart(f *excelize.File, sheet string, t Table, top, cols int) error {
	if t.Chart == nil || len(t.Chart.Labels) == 0 {
		return nil
	}
	rows := chartRows(t)
	if rows == nil {
		return fmt.Errorf("reports: chart of %s does not match its rows", t.Key)
	}
	col := chartColumn(t)
	colName, _ := excelize.ColumnNumberToName(col + 2)
	// one contiguous range when the rows are (they are, but for the look-ups' operators)
	first, last := rows[0], rows[len(rows)-1]
	if last-first+1 != len(rows) {
		return fmt.Errorf("reports: chart rows of %s are not contiguous", t.Key)
	}
	y0, y1 := top+1+first, top+1+last
	typ := excelize.Bar
	if t.Chart.Line {
		typ = excelize.Line
	}
	anchor, _ := excelize.CoordinatesToCellName(cols+2, top)
	ch := &excelize.Chart{
		Type: typ,
		Series: []excelize.ChartSeries{{
			Name:       fmt.Sprintf("'%s'!$%s$%d", sheet, colName, top),
			Categories: fmt.Sprintf("'%s'!$A$%d:$A$%d", sheet, y0, y1),
			Values:     fmt.Sprintf("'%s'!$%s$%d:$%s$%d", sheet, colName, y0, colName, y1),
		}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: t.Chart.Title}}},
		Legend:    excelize.ChartLegend{Position: "none"},
		Dimension: excelize.ChartDimension{Width: 640, Height: uint(max(260, 40+22*len(rows)))},
		PlotArea:  excelize.ChartPlotArea{ShowVal: true},
	}
	return f.AddChart(sheet, anchor, ch)
}

// chartColumn is the index (among a row's cells) of the values a table's chart draws.
func chartColumn(t Table) int {
	switch t.Key {
	case "hoso":
		return 1 // "Tiếp nhận trong kỳ"
	case "phi":
		return 2 // "Số tiền thu (đồng)"
	}
	return 0
}

// PDFReport is the report as the printing package lays it out.
func PDFReport(r *Report, agency counter.Agency) printing.StatReport {
	out := printing.StatReport{
		Letterhead: printing.Letterhead{ParentAgency: agency.Parent, Agency: agency.Name, AgencyAddress: agency.Address, Place: agency.Place},
		Title:      "Báo cáo tình hình tiếp nhận, giải quyết hồ sơ",
		Period:     "(" + PeriodLabel(r) + ")",
		Date:       r.GeneratedAt.In(r.From.Location()),
		Notes:      Notes(r),
	}
	for _, t := range Tables(r) {
		sec := printing.StatSection{Title: t.Title, Columns: t.Columns}
		for _, row := range t.Rows {
			cells := []string{row.Label}
			for _, c := range row.Cells {
				cells = append(cells, c.Text)
			}
			sec.Rows = append(sec.Rows, cells)
		}
		if t.Chart != nil && len(t.Chart.Labels) > 0 {
			sec.Chart = &printing.BarChart{Title: "Biểu đồ: " + t.Chart.Title, Labels: t.Chart.Labels, Values: t.Chart.Values}
		}
		out.Sections = append(out.Sections, sec)
	}
	return out
}

// WritePDF writes the report as an A4 PDF.
func WritePDF(w io.Writer, r *Report, agency counter.Agency) error {
	return printing.RenderStatReport(w, PDFReport(r, agency), printing.Options{})
}
