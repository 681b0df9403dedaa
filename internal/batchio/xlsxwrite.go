package batchio

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
)

// xlsxWriter writes a one-sheet workbook straight into its zip archive, row
// by row: no temporary file, memory independent of the number of rows. Every
// cell is an inline string formatted as text ("@"), so that a spreadsheet
// never reads it as a number, a date or a formula, even when it is edited;
// a formula-like value (FormulaLike) also gets the quote prefix, as Excel
// itself marks text typed with a leading apostrophe.
type xlsxWriter struct {
	zw      *zip.Writer
	bw      *bufio.Writer
	columns []string
	known   map[string]bool
	refs    []string // column letters
	n       int      // rows written
	closer  io.Closer
	err     error
}

// Cell styles of the workbook (indexes into cellXfs of xlsxStyles).
const (
	xlsxStyleText  = "1" // text format
	xlsxStyleGuard = "2" // text format and quote prefix: a formula-like value
)

// maxXLSXCell is a spreadsheet cell's limit, in UTF-16 code units; longer
// values are cut there (Excel refuses the file otherwise).
const maxXLSXCell = 32767

const (
	xlsxContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`</Types>`
	xlsxRootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`
	xlsxWorkbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	xlsxWorkbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
		`</Relationships>`
	xlsxStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="3">` +
		`<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
		`<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
		`<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/>` +
		`</cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
		`</styleSheet>`
	xlsxSheetStart = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	xlsxSheetEnd = `</sheetData></worksheet>`
)

func newXLSXWriter(w io.Writer, columns []string, closer io.Closer) (Writer, error) {
	x := &xlsxWriter{zw: zip.NewWriter(w), columns: columns, known: knownSet(columns), closer: closer}
	for i := range columns {
		x.refs = append(x.refs, columnName(i+1))
	}
	for _, p := range []struct{ name, body string }{
		{"[Content_Types].xml", xlsxContentTypes},
		{"_rels/.rels", xlsxRootRels},
		{"xl/workbook.xml", xlsxWorkbook},
		{"xl/_rels/workbook.xml.rels", xlsxWorkbookRels},
		{"xl/styles.xml", xlsxStyles},
	} {
		pw, err := x.zw.Create(p.name)
		if err == nil {
			_, err = io.WriteString(pw, p.body)
		}
		if err != nil {
			return nil, fmt.Errorf("batchio: write XLSX %s: %w", p.name, err)
		}
	}
	sw, err := x.zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return nil, fmt.Errorf("batchio: write XLSX sheet: %w", err)
	}
	x.bw = bufio.NewWriterSize(sw, 64<<10)
	x.bw.WriteString(xlsxSheetStart)
	if err := x.setRow(columns); err != nil {
		return nil, err
	}
	return x, nil
}

// columnName is the letters of column n (1 = A, 27 = AA).
func columnName(n int) string {
	var b []byte
	for n > 0 {
		n--
		b = append([]byte{byte('A' + n%26)}, b...)
		n /= 26
	}
	return string(b)
}

func (x *xlsxWriter) setRow(cells []string) error {
	if x.err != nil {
		return x.err
	}
	x.n++
	row := strconv.Itoa(x.n)
	bw := x.bw
	bw.WriteString(`<row r="`)
	bw.WriteString(row)
	bw.WriteString(`">`)
	for i, v := range cells {
		if v == "" {
			continue // a missing cell reads as empty
		}
		style := xlsxStyleText
		if FormulaLike(v) {
			style = xlsxStyleGuard
		}
		bw.WriteString(`<c r="`)
		bw.WriteString(x.refs[i])
		bw.WriteString(row)
		bw.WriteString(`" s="`)
		bw.WriteString(style)
		bw.WriteString(`" t="inlineStr"><is><t xml:space="preserve">`)
		writeXLSXText(bw, v)
		bw.WriteString(`</t></is></c>`)
	}
	_, err := bw.WriteString(`</row>`)
	if err != nil {
		x.err = fmt.Errorf("batchio: write XLSX row %d: %w", x.n, err)
	}
	return x.err
}

// writeXLSXText writes s as the text of a cell: XML-escaped, characters XML
// cannot carry as _xHHHH_ (and a literal "_xHHHH_" as "_x005F_xHHHH_"), as
// spreadsheets do; cut at maxXLSXCell UTF-16 units.
func writeXLSXText(bw *bufio.Writer, s string) {
	units := 0
	for i, r := range s { // an invalid byte comes as U+FFFD
		units += utf16.RuneLen(r)
		if units > maxXLSXCell {
			return
		}
		switch {
		case r == '&':
			bw.WriteString("&amp;")
		case r == '<':
			bw.WriteString("&lt;")
		case r == '>':
			bw.WriteString("&gt;")
		case r == '\t', r == '\n':
			bw.WriteRune(r)
		case r == '\r':
			bw.WriteString("&#xD;")
		case r < 0x20, r == 0xFFFE, r == 0xFFFF:
			fmt.Fprintf(bw, "_x%04X_", r)
		case r == '_' && isBSTREscape(s[i:]):
			bw.WriteString("_x005F_")
		default:
			bw.WriteRune(r)
		}
	}
}

// isBSTREscape reports whether s starts with _xHHHH_ (H a hex digit).
func isBSTREscape(s string) bool {
	if len(s) < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

func (x *xlsxWriter) Write(fields map[string]string) error {
	r, err := row(x.columns, x.known, fields)
	if err != nil {
		return err
	}
	return x.setRow(r)
}

func (x *xlsxWriter) Close() error {
	err := x.err
	if err == nil {
		x.bw.WriteString(xlsxSheetEnd)
		err = x.bw.Flush()
	}
	if cerr := x.zw.Close(); err == nil {
		err = cerr
	}
	if x.closer != nil {
		if cerr := x.closer.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("batchio: write XLSX: %w", err)
	}
	return nil
}
