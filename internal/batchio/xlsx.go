package batchio

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"
)

// xlsxReader streams the first sheet row by row with excelize's Rows
// iterator; cells come as displayed text (dates as formatted in Excel).
type xlsxReader struct {
	f      *excelize.File
	rows   *excelize.Rows
	row    int
	header []string
	closer io.Closer
}

func newXLSXReader(f *excelize.File, closer io.Closer) (Reader, error) {
	x := &xlsxReader{f: f, closer: closer}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		x.Close()
		return nil, &FormatError{Line: 1, Reason: "tệp Excel không có trang tính nào"}
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		x.Close()
		return nil, fmt.Errorf("batchio: open sheet %q: %w", sheets[0], err)
	}
	x.rows = rows
	cells, err := x.nextRow()
	if err != nil {
		x.Close()
		if err == io.EOF {
			return nil, &FormatError{Line: 1, Reason: reasonNoHeader, Err: err}
		}
		return nil, err
	}
	h := make([]string, len(cells))
	for i, c := range cells {
		h[i] = norm.NFC.String(strings.TrimSpace(c))
	}
	if err := checkHeader(h, x.row); err != nil {
		x.Close()
		return nil, err
	}
	x.header = h
	return x, nil
}

// nextRow returns the next non-empty row with trailing empty cells removed.
func (x *xlsxReader) nextRow() ([]string, error) {
	for x.rows.Next() {
		x.row++
		cells, err := x.rows.Columns()
		if err != nil {
			return nil, fmt.Errorf("batchio: read XLSX row %d: %w", x.row, err)
		}
		n := len(cells)
		for n > 0 && strings.TrimSpace(cells[n-1]) == "" {
			n--
		}
		if n > 0 {
			return cells[:n], nil
		}
	}
	if err := x.rows.Error(); err != nil {
		return nil, fmt.Errorf("batchio: read XLSX after row %d: %w", x.row, err)
	}
	return nil, io.EOF
}

func (x *xlsxReader) Header() []string { return x.header }

func (x *xlsxReader) Next() (Record, error) {
	cells, err := x.nextRow()
	if err != nil {
		return Record{}, err
	}
	if len(cells) > len(x.header) {
		return Record{Line: x.row}, &FormatError{Line: x.row,
			Reason: fmt.Sprintf("%s (có %d cột, tiêu đề có %d)", reasonColumns, len(cells), len(x.header))}
	}
	fields := make(map[string]string, len(x.header))
	for i, name := range x.header {
		v := ""
		if i < len(cells) { // Excel drops trailing empty cells
			v = norm.NFC.String(cells[i])
		}
		fields[name] = v
	}
	return Record{Line: x.row, Fields: fields}, nil
}

func (x *xlsxReader) Close() error {
	var errs []error
	if x.rows != nil {
		errs = append(errs, x.rows.Close())
	}
	errs = append(errs, x.f.Close())
	if x.closer != nil {
		errs = append(errs, x.closer.Close())
	}
	return errors.Join(errs...)
}
