package batchio

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"
)

// row orders fields by the writer's columns and rejects unknown names.
func row(columns []string, known map[string]bool, fields map[string]string) ([]string, error) {
	for k := range fields {
		if !known[k] {
			return nil, fmt.Errorf("batchio: write: field %q is not one of the columns", k)
		}
	}
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = norm.NFC.String(fields[c])
	}
	return out, nil
}

func knownSet(columns []string) map[string]bool {
	m := make(map[string]bool, len(columns))
	for _, c := range columns {
		m[c] = true
	}
	return m
}

// csvWriter writes UTF-8 with a BOM and CRLF line ends, which Excel opens
// with Vietnamese letters intact.
type csvWriter struct {
	bw      *bufio.Writer
	cw      *csv.Writer
	columns []string
	known   map[string]bool
	closer  io.Closer
}

func newCSVWriter(w io.Writer, columns []string, closer io.Closer) (Writer, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return nil, fmt.Errorf("batchio: write CSV BOM: %w", err)
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write(columns); err != nil {
		return nil, fmt.Errorf("batchio: write CSV header: %w", err)
	}
	return &csvWriter{bw: bw, cw: cw, columns: columns, known: knownSet(columns), closer: closer}, nil
}

func (c *csvWriter) Write(fields map[string]string) error {
	r, err := row(c.columns, c.known, fields)
	if err != nil {
		return err
	}
	return c.cw.Write(r)
}

func (c *csvWriter) Close() error {
	c.cw.Flush()
	err := c.cw.Error()
	if err == nil {
		err = c.bw.Flush()
	}
	if c.closer != nil {
		if cerr := c.closer.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("batchio: write CSV: %w", err)
	}
	return nil
}

// jsonlWriter writes one object per line, keys in column order.
type jsonlWriter struct {
	bw      *bufio.Writer
	columns []string
	keys    [][]byte
	known   map[string]bool
	closer  io.Closer
}

func newJSONLWriter(w io.Writer, columns []string, closer io.Closer) (Writer, error) {
	j := &jsonlWriter{bw: bufio.NewWriterSize(w, 64<<10), columns: columns, known: knownSet(columns), closer: closer}
	for _, c := range columns {
		k, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("batchio: column %q: %w", c, err)
		}
		j.keys = append(j.keys, k)
	}
	return j, nil
}

func (j *jsonlWriter) Write(fields map[string]string) error {
	r, err := row(j.columns, j.known, fields)
	if err != nil {
		return err
	}
	// A bufio.Writer keeps its first error: the last write reports it.
	_ = j.bw.WriteByte('{')
	for i, v := range r {
		if i > 0 {
			_ = j.bw.WriteByte(',')
		}
		_, _ = j.bw.Write(j.keys[i])
		_ = j.bw.WriteByte(':')
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("batchio: write JSON value: %w", err)
		}
		_, _ = j.bw.Write(b)
	}
	_, err = j.bw.WriteString("}\n")
	return err
}

func (j *jsonlWriter) Close() error {
	err := j.bw.Flush()
	if j.closer != nil {
		if cerr := j.closer.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("batchio: write JSON Lines: %w", err)
	}
	return nil
}

// xlsxWriter writes the first sheet with excelize's StreamWriter; the
// workbook is saved on Close.
type xlsxWriter struct {
	f       *excelize.File
	sw      *excelize.StreamWriter
	n       int
	columns []string
	known   map[string]bool
	save    func(*excelize.File) error
}

func newXLSXWriter(columns []string, save func(*excelize.File) error) (Writer, error) {
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("batchio: XLSX stream writer: %w", err)
	}
	x := &xlsxWriter{f: f, sw: sw, columns: columns, known: knownSet(columns), save: save}
	if err := x.setRow(columns); err != nil {
		f.Close()
		return nil, err
	}
	return x, nil
}

func (x *xlsxWriter) setRow(cells []string) error {
	x.n++
	vals := make([]any, len(cells))
	for i, c := range cells {
		vals[i] = c // strings stay text: no formulas, no number guessing
	}
	cell, err := excelize.CoordinatesToCellName(1, x.n)
	if err != nil {
		return fmt.Errorf("batchio: XLSX row %d: %w", x.n, err)
	}
	if err := x.sw.SetRow(cell, vals); err != nil {
		return fmt.Errorf("batchio: XLSX row %d: %w", x.n, err)
	}
	return nil
}

func (x *xlsxWriter) Write(fields map[string]string) error {
	r, err := row(x.columns, x.known, fields)
	if err != nil {
		return err
	}
	return x.setRow(r)
}

func (x *xlsxWriter) Close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("batchio: XLSX flush: %w", err)
	}
	if err := x.save(x.f); err != nil {
		return fmt.Errorf("batchio: XLSX save: %w", err)
	}
	return nil
}
