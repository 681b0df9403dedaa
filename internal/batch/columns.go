package batch

import (
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"motcua/forms"
	"motcua/internal/batchio"
	"motcua/internal/counter"
)

// Reserved columns of the input table.
const (
	ColReceivedAt = "received_at"
	ColOfficer    = "officer"
)

// Column is one column of a service's input table.
type Column struct {
	Name string // "subject.id", "purpose", "members.1.name", "received_at"
	Desc string // Vietnamese
	Slot string // person slot for "<slot>.id" columns
}

// Columns lists the input columns of a service: the ID of each person slot filled at the
// counter, the fields in the spec's order (groups as numbered columns up to the group's
// maximum, or 3), then the optional backlog columns.
func Columns(spec *forms.Spec) []Column {
	var cols []Column
	for _, p := range spec.Persons() {
		if kind, _ := p.Derived(spec); kind != "" {
			continue // looked up from another slot, as at the counter
		}
		d := "Số định danh cá nhân (12 chữ số) — " + p.Label
		if p.Required {
			d += " (bắt buộc)"
		}
		cols = append(cols, Column{Name: p.ID + ".id", Desc: d, Slot: p.ID})
	}
	for _, f := range spec.Fields() {
		if f.Calculated() {
			continue
		}
		if f.Type == forms.TypeGroup {
			n := f.Max
			if n <= 0 {
				n = 3
			}
			for i := 1; i <= n; i++ {
				for k := range f.Sub {
					sub := &f.Sub[k]
					if sub.Calculated() {
						continue
					}
					cols = append(cols, Column{Name: fmt.Sprintf("%s.%d.%s", f.ID, i, sub.ID),
						Desc: fmt.Sprintf("%s — dòng %d: %s", f.Label, i, fieldDesc(sub))})
				}
			}
			continue
		}
		cols = append(cols, Column{Name: f.ID, Desc: fieldDesc(f)})
	}
	return append(cols,
		Column{Name: ColReceivedAt, Desc: "Thời điểm tiếp nhận gốc của hồ sơ tồn đọng, dd/mm/yyyy hh:mm (không bắt buộc)"},
		Column{Name: ColOfficer, Desc: "Họ tên cán bộ tiếp nhận in trên giấy biên nhận (không bắt buộc; mặc định: cán bộ chạy lệnh)"})
}

func fieldDesc(f *forms.Field) string {
	d := f.Label
	if f.Required {
		d += " (bắt buộc)"
	}
	switch f.Type {
	case forms.TypeDate:
		if !strings.Contains(f.Hint, "dd/mm/yyyy") {
			d += "; dạng dd/mm/yyyy"
		}
	case forms.TypeChoice, forms.TypeMultiChoice:
		if len(f.Choices) > 0 {
			var cs []string
			for _, c := range f.Choices {
				cs = append(cs, c.Value+" = "+c.Label)
			}
			d += "; giá trị: " + strings.Join(cs, ", ")
		}
	}
	if f.Hint != "" {
		d += ". " + f.Hint
	}
	return d
}

// WriteTemplateCSV writes the header of cols.
func WriteTemplateCSV(path string, cols []Column) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	w, err := batchio.Create(path, names)
	if err != nil {
		return err
	}
	return w.Close()
}

// WriteTemplateXLSX writes the header on the first sheet (with the description as a cell
// comment) and a "Hướng dẫn" sheet: column, description. Every cell is a text cell
// formatted as text (excelize keeps it in memory: no temporary file), as batchio writes
// workbooks.
func WriteTemplateXLSX(path string, spec *forms.Spec, cols []Column) error {
	f := excelize.NewFile()
	defer f.Close()
	const data, help = "Hồ sơ", "Hướng dẫn"
	if err := f.SetSheetName("Sheet1", data); err != nil {
		return err
	}
	if _, err := f.NewSheet(help); err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@"
	if err != nil {
		return err
	}
	setText := func(sheet, cell, v string) error {
		if err := f.SetCellStr(sheet, cell, v); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, cell, cell, text)
	}
	for i, c := range cols {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := setText(data, cell, c.Name); err != nil {
			return err
		}
		if err := f.AddComment(data, excelize.Comment{Cell: cell, Author: "motcua", Paragraph: []excelize.RichTextRun{{Text: c.Desc}}}); err != nil {
			return err
		}
	}
	rows := [][]string{{"Thủ tục", spec.ID + " — " + spec.Name}, {"Cột", "Mô tả"}}
	for _, c := range cols {
		rows = append(rows, []string{c.Name, c.Desc})
	}
	for i, r := range rows {
		for j, v := range r {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := setText(help, cell, v); err != nil {
				return err
			}
		}
	}
	return f.SaveAs(filepath.Clean(path))
}

// Planned is an input column with its role.
type Planned struct {
	Name string
	Slot string // "<slot>.id"
	pos  int    // template order
}

// Plan keeps the header's columns that belong to the template, in the template's order (a
// field set after those it depends on), and lists the others.
func Plan(cols []Column, header []string) (plan []Planned, extra []string) {
	pos := map[string]int{}
	for i, c := range cols {
		pos[c.Name] = i
	}
	for _, h := range header {
		h = strings.TrimSpace(h)
		i, ok := pos[h]
		if !ok {
			if h != "" {
				extra = append(extra, h)
			}
			continue
		}
		plan = append(plan, Planned{Name: h, Slot: cols[i].Slot, pos: i})
	}
	sort.Slice(plan, func(i, j int) bool { return plan[i].pos < plan[j].pos })
	return plan, extra
}

// row is a record split by the plan.
type row struct {
	persons             map[string]string
	values              []counter.Value
	receivedAt, officer string
}

func splitRow(plan []Planned, fields map[string]string) row {
	r := row{persons: map[string]string{}}
	for _, c := range plan {
		v := strings.TrimSpace(fields[c.Name])
		if v == "" {
			continue
		}
		switch {
		case c.Slot != "":
			r.persons[c.Slot] = v
		case c.Name == ColReceivedAt:
			r.receivedAt = v
		case c.Name == ColOfficer:
			r.officer = v
		default:
			r.values = append(r.values, counter.Value{Path: c.Name, Text: v})
		}
	}
	return r
}

// RowKey is the SHA-256 of the row's non-empty template cells (column order and extra
// columns do not matter); zero for an empty row. The store keys it again with its secret
// before keeping it.
func RowKey(plan []Planned, fields map[string]string) [32]byte {
	h := sha256.New()
	n := 0
	for _, c := range plan { // plan is in template order
		v := strings.TrimSpace(fields[c.Name])
		if v == "" {
			continue
		}
		n++
		fmt.Fprintf(h, "%s\x00%s\x00", c.Name, v)
	}
	var k [32]byte
	if n > 0 {
		h.Sum(k[:0])
	}
	return k
}

func parseReceivedAt(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"02/01/2006 15:04", "2/1/2006 15:04", "02/01/2006"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("received_at %q: not dd/mm/yyyy hh:mm", s)
}
