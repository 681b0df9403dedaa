package batchio

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"motcua/internal/batchio/xlsxtest"
)

// formulaCells are values a spreadsheet could read as formulas, then safe ones.
var (
	formulaCells = []string{`=HYPERLINK("http://x/","x")`, "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=1+1"}
	safeCells    = []string{"a=b", "1-2", "Nguyễn Thị Hoà", "'quoted", "066303000006"}
)

// TestWritersGuardFormulaCells: every CSV cell that starts with = + - @, a
// tab or a CR gets a leading apostrophe; every XLSX cell is an inline string
// in a text format, a formula-like one with the quote prefix, never a formula.
func TestWritersGuardFormulaCells(t *testing.T) {
	cols := []string{"v"}
	all := append(append([]string{}, formulaCells...), safeCells...)
	t.Run("csv", func(t *testing.T) {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, "csv", cols)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range all {
			if err := w.Write(map[string]string{"v": v}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range all {
			want := strings.ReplaceAll(v, "\r", "") // encoding/csv drops a lone CR
			if i < len(formulaCells) {
				want = "'" + want
			}
			if got := rows[i+1][0]; got != want {
				t.Errorf("CSV cell %q written as %q, want %q", v, got, want)
			}
		}
	})
	t.Run("xlsx", func(t *testing.T) {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, "xlsx", cols)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range all {
			if err := w.Write(map[string]string{"v": v}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		sheet, styles := zipPart(t, buf.Bytes(), "xl/worksheets/sheet1.xml"), zipPart(t, buf.Bytes(), "xl/styles.xml")
		if strings.Contains(sheet, "<f") {
			t.Errorf("the sheet holds a formula:\n%s", sheet)
		}
		xfs := regexp.MustCompile(`<cellXfs[^>]*>(.*)</cellXfs>`).FindStringSubmatch(styles)
		if xfs == nil {
			t.Fatalf("no cellXfs in styles.xml:\n%s", styles)
		}
		xf := regexp.MustCompile(`<xf [^>]*>`).FindAllString(xfs[1], -1)
		cells := regexp.MustCompile(`<c [^>]*>`).FindAllString(sheet, -1)
		if len(cells) != len(all)+1 {
			t.Fatalf("%d cells, want %d:\n%s", len(cells), len(all)+1, sheet)
		}
		for i, c := range cells {
			if !strings.Contains(c, `t="inlineStr"`) {
				t.Errorf("cell %s is not a string cell", c)
			}
			m := regexp.MustCompile(` s="(\d+)"`).FindStringSubmatch(c)
			n := -1
			if m != nil {
				n, _ = strconv.Atoi(m[1])
			}
			if n < 0 || n >= len(xf) {
				t.Fatalf("cell %s has no valid style", c)
			}
			if !strings.Contains(xf[n], `numFmtId="49"`) {
				t.Errorf("cell %s is not formatted as text: %s", c, xf[n])
			}
			guarded := i >= 1 && i-1 < len(formulaCells)
			if got := strings.Contains(xf[n], `quotePrefix="1"`); got != guarded {
				t.Errorf("cell %d (%s): quote prefix %v, want %v", i, c, got, guarded)
			}
		}
		// The values read back unchanged.
		r, err := OpenReader(bytes.NewReader(buf.Bytes()), "xlsx", Options{})
		if err != nil {
			t.Fatal(err)
		}
		res := readAll(t, r)
		for i, v := range all {
			if want := strings.TrimRight(v, " "); i >= len(res.recs) || res.recs[i].Fields["v"] != want {
				t.Errorf("cell %d read back as %v, want %q", i, res.recs, want)
			}
		}
	})
}

func zipPart(t *testing.T, b []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestXLSXReaderMatchesExcelize: on a workbook written by excelize (shared
// strings, rich text, numbers, dates in built-in and custom formats, a
// percentage, booleans, a formula's cached value, gaps, escapes), the reader
// gives every row as excelize's own row iterator shows it.
func TestXLSXReaderMatchesExcelize(t *testing.T) {
	f := excelize.NewFile()
	sh := f.GetSheetName(0)
	set := func(cell string, v any) {
		t.Helper()
		if err := f.SetCellValue(sh, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	style := func(cell string, s *excelize.Style) {
		t.Helper()
		id, err := f.NewStyle(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellStyle(sh, cell, cell, id); err != nil {
			t.Fatal(err)
		}
	}
	dmy, money := "dd/mm/yyyy", "#,##0.00"
	for i, h := range []string{"id", "name", "birth", "amount", "ratio", "ok", "sum", "note"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		set(cell, h)
	}
	set("A2", "066303000006")
	set("B2", "Nguyễn Thị Hoà")
	set("C2", 33239.0)
	style("C2", &excelize.Style{CustomNumFmt: &dmy})
	set("D2", 1234567.5)
	style("D2", &excelize.Style{CustomNumFmt: &money})
	set("E2", 0.25)
	style("E2", &excelize.Style{NumFmt: 9})
	set("F2", true)
	set("G2", 3)
	if err := f.SetCellFormula(sh, "G2", "1+2"); err != nil {
		t.Fatal(err)
	}
	set("H2", "a_x000D_b & <c>")
	set("A4", 10086000000) // row 3 empty
	set("C4", 45000.0)
	style("C4", &excelize.Style{NumFmt: 14})
	set("D4", 0.1+0.2)
	if err := f.SetCellRichText(sh, "B4", []excelize.RichTextRun{{Text: "Bùi "}, {Text: "Đức", Font: &excelize.Font{Bold: true}}}); err != nil {
		t.Fatal(err)
	}
	set("H4", "  spaced  ")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()

	ref, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	rows, err := ref.Rows(sh)
	if err != nil {
		t.Fatal(err)
	}
	var want [][]string
	for rows.Next() {
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		for len(cols) > 0 && strings.TrimSpace(cols[len(cols)-1]) == "" {
			cols = cols[:len(cols)-1]
		}
		if len(cols) > 0 {
			want = append(want, cols)
		}
	}
	rows.Close()

	r, err := OpenReader(bytes.NewReader(buf.Bytes()), "xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := [][]string{r.Header()}
	res := readAll(t, r)
	for _, rec := range res.recs {
		var row []string
		for _, h := range got[0] {
			row = append(row, rec.Fields[h])
		}
		for len(row) > 0 && strings.TrimSpace(row[len(row)-1]) == "" {
			row = row[:len(row)-1]
		}
		got = append(got, row)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows differ from excelize's\n got %q\nwant %q", got, want)
	}
	if lines := []int{res.recs[0].Line, res.recs[1].Line}; !reflect.DeepEqual(lines, []int{2, 4}) {
		t.Errorf("row numbers %v, want [2 4]", lines)
	}
}

// hostile workbooks: each is refused with a FileError of the kind given,
// and a Vietnamese reason.
func TestXLSXHostileWorkbooks(t *testing.T) {
	const gib = 1 << 30
	valid := xlsxtest.Valid()
	rows := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(xlsxtest.Row(i+3, fmt.Sprintf("%012d", i), "other"))
		}
		return b.String()
	}
	cases := []struct {
		name  string
		parts []xlsxtest.Part
		kind  string
	}{
		{"shared strings inflate to 1 GiB", xlsxtest.With(valid, xlsxtest.Part{Name: "xl/sharedStrings.xml",
			Head: xlsxtest.SharedStringsHead, Fill: "<si><t>aaaaaaaaaaaaaaaaaaaa</t></si>", Tail: xlsxtest.SharedStringsTail, Size: gib}), FileTooLarge},
		{"styles inflate to 1 GiB", xlsxtest.With(valid, xlsxtest.Part{Name: "xl/styles.xml",
			Head: xlsxtest.StylesHead, Fill: "<numFmts/>", Tail: xlsxtest.StylesTail, Size: gib}), FileTooLarge},
		{"workbook inflates to 1 GiB", xlsxtest.With(valid, xlsxtest.Part{Name: "xl/workbook.xml",
			Head: xlsxtest.WorkbookHead, Fill: "<bookViews/>", Tail: xlsxtest.WorkbookTail, Size: gib}), FileTooLarge},
		{"sheet inflates to 2 GiB", xlsxtest.With(valid, xlsxtest.Part{Name: "xl/worksheets/sheet1.xml",
			Head: xlsxtest.SheetHead + xlsxtest.Row(1, "subject.id", "purpose"), Fill: "<row/>", Tail: xlsxtest.SheetTail, Size: 2 * gib}), FileTooLarge},
		{"a 1000:1 sheet under the size limit", xlsxtest.With(valid, xlsxtest.Part{Name: "xl/worksheets/sheet1.xml",
			Head: xlsxtest.SheetHead + xlsxtest.Row(1, "subject.id", "purpose"), Fill: "<row/>", Tail: xlsxtest.SheetTail, Size: 64 << 20}), FileTooLarge},
		{"shared strings lie: 1 KiB declared, 1 GiB inside", xlsxtest.With(valid, xlsxtest.Part{Name: "xl/sharedStrings.xml",
			Head: xlsxtest.SharedStringsHead, Fill: "<si><t>aaaaaaaaaaaaaaaaaaaa</t></si>", Tail: xlsxtest.SharedStringsTail, Size: gib, Declare: 1024}), FileTooLarge},
		{"styles lie: 1 KiB declared, 1 GiB inside", xlsxtest.With(valid, xlsxtest.Part{Name: "xl/styles.xml",
			Head: xlsxtest.StylesHead, Fill: "<numFmts/>", Tail: xlsxtest.StylesTail, Size: gib, Declare: 1024}), FileTooLarge},
		{"sheet lies: 4 KiB declared, 2 GiB inside", xlsxtest.With(valid, xlsxtest.Part{Name: "xl/worksheets/sheet1.xml",
			Head: xlsxtest.SheetHead + xlsxtest.Row(1, "subject.id", "purpose"), Fill: "<row/>", Tail: xlsxtest.SheetTail, Size: 2 * gib, Declare: 4096}), FileTooLarge},
		{"one text of 3 MiB", xlsxtest.With(valid, xlsxtest.Part{Name: "xl/worksheets/sheet1.xml",
			Head: xlsxtest.SheetHead + xlsxtest.Row(1, "subject.id", "purpose") + `<row><c t="inlineStr"><is><t>`, Fill: noise(64 << 10),
			Tail: `</t></is></c></row>` + xlsxtest.SheetTail, Size: 3 << 20}), FileDamaged},
		{"nesting 100000 deep", xlsxtest.With(valid, xlsxtest.Part{Name: "xl/worksheets/sheet1.xml",
			Head: xlsxtest.SheetHead + xlsxtest.Row(1, "subject.id", "purpose") + `<row>`, Fill: "<c>", Tail: xlsxtest.SheetTail, Size: 300000}), FileDamaged},
		{"a DOCTYPE", xlsxtest.With(valid, xlsxtest.Part{Name: "xl/sharedStrings.xml",
			Head: `<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">]>` + xlsxtest.SharedStringsHead[len(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`):], Tail: xlsxtest.SharedStringsTail}), FileDamaged},
		{"shared strings with a CRC that does not match", xlsxtest.With(valid, xlsxtest.Part{Name: "xl/sharedStrings.xml",
			Head: xlsxtest.SharedStringsHead, Tail: xlsxtest.SharedStringsTail, BadCRC: true}), FileDamaged},
		{"a sheet with a CRC that does not match", xlsxtest.With(valid, xlsxtest.Part{Name: "xl/worksheets/sheet1.xml",
			Head: xlsxtest.SheetHead + xlsxtest.Row(1, "subject.id", "purpose"), Tail: xlsxtest.SheetTail, BadCRC: true}), FileDamaged},
		{"no workbook", []xlsxtest.Part{{Name: "a.txt", Head: "x"}}, FileNotWorkbook},
		{"many entries", manyEntries(MaxXLSXEntries + 1), FileTooLarge},
		{"a valid workbook of 11 rows", xlsxtest.With(valid, xlsxtest.Part{Name: "xl/worksheets/sheet1.xml",
			Head: xlsxtest.SheetHead + xlsxtest.Row(1, "subject.id", "purpose") + rows(10), Tail: xlsxtest.SheetTail}), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hostile.xlsx")
			if err := xlsxtest.WriteFile(path, c.parts); err != nil {
				t.Fatal(err)
			}
			if st, _ := os.Stat(path); st.Size() > 4<<20 {
				t.Fatalf("the test file is %d bytes", st.Size())
			}
			err := readWhole(path)
			if c.kind == "" {
				if err != nil {
					t.Fatalf("a valid workbook: %v", err)
				}
				return
			}
			var fe *FileError
			if !errors.As(err, &fe) || fe.Kind != c.kind {
				t.Fatalf("got %v, want a FileError %s", err, c.kind)
			}
			if !vietnamese.MatchString(fe.Reason) || strings.Contains(fe.Reason, "zip:") {
				t.Errorf("reason %q is not Vietnamese", fe.Reason)
			}
			t.Logf("%s: %s (%v)", fe.Kind, fe.Reason, fe.Err)
		})
	}
	for _, c := range []struct {
		name, data, kind string
	}{
		{"not a zip", "id,name\n1,A\n", FileNotXLSX},
		{"an .xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + strings.Repeat("\x00", 512), FileOldExcel},
		{"empty", "", FileNotXLSX},
	} {
		path := filepath.Join(t.TempDir(), "x.xlsx")
		if err := os.WriteFile(path, []byte(c.data), 0o600); err != nil {
			t.Fatal(err)
		}
		var fe *FileError
		if err := readWhole(path); !errors.As(err, &fe) || fe.Kind != c.kind || !vietnamese.MatchString(fe.Reason) {
			t.Errorf("%s: got %v, want a FileError %s", c.name, err, c.kind)
		}
	}
}

var vietnamese = regexp.MustCompile(`[ạảãáàâầấậẩẫăằắặẳẵđêềếệểễôồốộổỗơờớợởỡưừứựửữíìịỉĩúùụủũóòọỏõéèẹẻẽýỳỵỷỹ]`)

// readWhole opens a table and reads it to the end: the first error that is
// not a malformed line.
func readWhole(path string) error {
	r, err := Open(path, Options{})
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		_, err := r.Next()
		var fe *FormatError
		switch {
		case err == io.EOF:
			return nil
		case errors.As(err, &fe):
		case err != nil:
			return err
		}
	}
}

// noise is n pseudo-random hexadecimal digits (deflate gains 2:1 at most).
func noise(n int) string {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = "0123456789abcdef"[x%16]
	}
	return string(b)
}

func manyEntries(n int) []xlsxtest.Part {
	parts := xlsxtest.Valid()
	for i := range n {
		parts = append(parts, xlsxtest.Part{Name: fmt.Sprintf("xl/media/x%d.bin", i), Head: "x", Stored: true})
	}
	return parts
}

// TestXLSXNoTemporaryFiles: writing and reading a workbook whose sheet is
// over 16 MiB (about 30 MB; excelize spills such sheets to temporary files) leaves nothing in
// the temporary directory at any time, so a killed run cannot leave a copy
// of the data behind.
func TestXLSXNoTemporaryFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("a 20 MB sheet")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	empty := func(when string) {
		t.Helper()
		if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
			t.Errorf("%s: %d files in the temporary directory, e.g. %s", when, len(ents), ents[0].Name())
		}
	}
	path := filepath.Join(t.TempDir(), "big.xlsx")
	w, err := Create(path, []string{"subject.id", "purpose", "purpose_other", "note"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 48_000
	note := strings.Repeat("Tổ dân phố số 5, phường Bến Nghé. ", 8) // rows of about 500 bytes
	for i := range n {
		if err := w.Write(map[string]string{"subject.id": fmt.Sprintf("%012d", i), "purpose": "other",
			"purpose_other": fmt.Sprintf("Hồ sơ tồn đọng số %d", i), "note": note}); err != nil {
			t.Fatal(err)
		}
	}
	empty("writing, before Close")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st != nil {
		t.Logf("workbook of %d rows: %d bytes", n, st.Size())
	}
	r, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	empty("reading")
	count := 1
	for {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		count++
	}
	r.Close()
	if count != n {
		t.Errorf("read %d rows, want %d", count, n)
	}
	empty("after Close")
}
