package batchio

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"

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
// with Vietnamese letters intact; formula-like cells are guarded (CSVCell).
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
	if err := cw.Write(csvCells(slices.Clone(columns))); err != nil {
		return nil, fmt.Errorf("batchio: write CSV header: %w", err)
	}
	return &csvWriter{bw: bw, cw: cw, columns: columns, known: knownSet(columns), closer: closer}, nil
}

func (c *csvWriter) Write(fields map[string]string) error {
	r, err := row(c.columns, c.known, fields)
	if err != nil {
		return err
	}
	return c.cw.Write(csvCells(r))
}

// csvCells guards every cell of a CSV row in place (CSVCell).
func csvCells(r []string) []string {
	for i, v := range r {
		r[i] = CSVCell(v)
	}
	return r
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
