package printing

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// A statistical report whose rows or chart do not match its columns is refused with a
// message for the clerk; a valid one renders, the same bytes for the same input.
func TestStatReportValidate(t *testing.T) {
	good := StatReport{Letterhead: Letterhead{ParentAgency: "UBND PHƯỜNG THỬ", Agency: "Bộ phận một cửa", Place: "Phường Thử"},
		Title: "Báo cáo", Period: "(Ngày 01/12/2026)", Date: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
		Sections: []StatSection{{Title: "1. Hồ sơ", Columns: []string{"Thủ tục", "Số hồ sơ"}, Rows: [][]string{{"Khai sinh", "3"}},
			Chart: &BarChart{Labels: []string{"Khai sinh"}, Values: []float64{3}}}}}
	var a, b bytes.Buffer
	if err := RenderStatReport(&a, good, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := RenderStatReport(&b, good, Options{}); err != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("the same report rendered differently (%v)", err)
	}
	bad := good
	bad.Sections = []StatSection{{Title: "x", Columns: []string{"a", "b"}, Rows: [][]string{{"only one"}}}}
	var e *Error
	if err := RenderStatReport(&a, bad, Options{}); !errors.As(err, &e) || e.Clerk == "" {
		t.Errorf("a row without its cells: %v", err)
	}
	bad.Sections = []StatSection{{Title: "x", Columns: []string{"a"}, Chart: &BarChart{Labels: []string{"a", "b"}, Values: []float64{1}}}}
	if err := RenderStatReport(&a, bad, Options{}); !errors.As(err, &e) {
		t.Errorf("a chart without its values: %v", err)
	}
	if got := FormatCount(1234567); got != "1.234.567" {
		t.Errorf("FormatCount: %s", got)
	}
}
